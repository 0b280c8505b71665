//! Timestamps as `ls -l` and `stat` print them. The sandbox has no time zones: times are UTC.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MS_PER_DAY: u64 = 86_400_000;
/// GNU `ls` shows the year instead of the time for files older than this (half a Gregorian
/// year) or in the future.
const RECENT_MS: u64 = 31_556_952_000 / 2;

/// A UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
}

/// Milliseconds since the Unix epoch as a UTC date (Hinnant's `civil_from_days`).
pub(super) fn civil(ms: u64) -> Civil {
    let days = i64::try_from(ms / MS_PER_DAY).unwrap_or(0);
    let rest = ms % MS_PER_DAY;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let small = |v: u64| u32::try_from(v).unwrap_or(0);
    Civil {
        year,
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
        hour: small(rest / 3_600_000),
        minute: small(rest / 60_000 % 60),
        second: small(rest / 1000 % 60),
        millis: small(rest % 1000),
    }
}

/// `ls -l`'s time column: `Jan  5 14:03`, or `Jan  5  2023` when not recent.
pub(super) fn ls_time(mtime_ms: u64, now_ms: u64) -> String {
    let c = civil(mtime_ms);
    let month = MONTHS[(c.month as usize).saturating_sub(1) % 12];
    let recent = mtime_ms <= now_ms && now_ms - mtime_ms < RECENT_MS;
    if recent {
        format!("{month} {:>2} {:02}:{:02}", c.day, c.hour, c.minute)
    } else {
        format!("{month} {:>2}  {}", c.day, c.year)
    }
}

/// `stat`'s and `ls --full-time`'s form: `2025-01-01 00:00:00.000000000 +0000`.
pub(super) fn full_time(ms: u64) -> String {
    let c = civil(ms);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}000000 +0000",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_leap_days() {
        assert_eq!(full_time(0), "1970-01-01 00:00:00.000000000 +0000");
        assert_eq!(
            full_time(1_735_689_600_000),
            "2025-01-01 00:00:00.000000000 +0000"
        );
        // 2024-02-29T12:34:56.789Z
        assert_eq!(
            full_time(1_709_210_096_789),
            "2024-02-29 12:34:56.789000000 +0000"
        );
    }

    #[test]
    fn ls_shows_year_for_old_files() {
        let now = 1_735_689_600_000;
        assert_eq!(ls_time(now - 3_600_000, now), "Dec 31 23:00");
        assert_eq!(ls_time(now - 300 * MS_PER_DAY, now), "Mar  7  2024");
        assert_eq!(ls_time(now + MS_PER_DAY, now), "Jan  2  2025");
    }
}
