//! Proleptic Gregorian calendar arithmetic in UTC (the sandbox's only zone), after Howard
//! Hinnant's `days_from_civil` / `civil_from_days`.

/// Days since 1970-01-01 of a date. `month` is 1..=12; `day` may run past the month's end
/// (or below 1), which simply counts on into the next (or back into the previous) months.
pub(super) fn days_from_civil(year: i64, month: u32, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (day - 1)
}

/// The date of a day count: `(year, month 1..=12, day 1..=31)`.
pub(super) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A moment broken down into its calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tm {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub nanos: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 1..=366.
    pub yday: u32,
    /// Seconds since the epoch.
    pub epoch: i64,
}

impl Tm {
    pub fn from_epoch(secs: i64, nanos: u32) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Self {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
            nanos,
            weekday: (days + 4).rem_euclid(7) as u32,
            yday: (days - days_from_civil(year, 1, 1) + 1) as u32,
            epoch: secs,
        }
    }

    pub fn from_millis(ms: i64) -> Self {
        Self::from_epoch(
            ms.div_euclid(1000),
            (ms.rem_euclid(1000) * 1_000_000) as u32,
        )
    }
}

/// GNU's timestamp in `diff -u` headers and `ls --full-time`:
/// `2025-01-01 00:00:00.000000000 +0000`.
pub(super) fn full_time(ms: i64) -> String {
    let t = Tm::from_millis(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} +0000",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanos
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 1, 1), 20_089);
        assert_eq!(days_from_civil(2024, 2, 30), days_from_civil(2024, 3, 1));
        for d in [-800_000, -1, 0, 59, 11_016, 20_089, 2_932_896] {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, i64::from(day)), d);
        }
        let t = Tm::from_epoch(1_735_689_600, 0);
        assert_eq!(
            (t.year, t.month, t.day, t.weekday, t.yday),
            (2025, 1, 1, 3, 1)
        );
        assert_eq!(
            full_time(1_735_689_600_000),
            "2025-01-01 00:00:00.000000000 +0000"
        );
    }
}
