//! `strftime` as GNU `date` has it, in UTC: the conversions, the `-`, `_`, `0`, `^`, `#`
//! flags, a width, and `%:z`.

use super::super::calendar::{Tm, days_from_civil};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How a number is padded (`-` turns padding off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pad {
    Zero,
    Space,
    None,
}

/// `t` formatted by `format`.
pub(super) fn strftime(format: &str, t: &Tm) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::from("%");
        let mut flag = None;
        while let Some(&f) = chars.peek() {
            if !matches!(f, '-' | '_' | '0' | '^' | '#') {
                break;
            }
            flag = Some(f);
            spec.push(f);
            chars.next();
        }
        let mut width = None::<usize>;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = Some(width.unwrap_or(0) * 10 + d as usize);
            spec.push(chars.next().unwrap_or('0'));
        }
        let mut colons = 0;
        while chars.peek() == Some(&':') {
            colons += 1;
            spec.push(':');
            chars.next();
        }
        let Some(conv) = chars.next() else {
            out.push_str(&spec);
            break;
        };
        match convert(conv, colons, width, t) {
            Some(Field::Number(n, default_width, pad)) => {
                number(&mut out, n, default_width, pad, flag, width);
            }
            Some(Field::Text(s)) => text(&mut out, &s, flag, width, conv),
            None => {
                // GNU prints an unknown conversion as it was written.
                out.push_str(&spec);
                out.push(conv);
            }
        }
    }
    out
}

enum Field {
    Number(i64, usize, Pad),
    Text(String),
}

fn convert(conv: char, colons: usize, width: Option<usize>, t: &Tm) -> Option<Field> {
    use Field::{Number as N, Text as T};
    let hour12 = match t.hour % 12 {
        0 => 12,
        h => h,
    };
    let (iso_year, iso_week) = iso_week(t);
    let field = match conv {
        'a' => T(DAYS[t.weekday as usize][..3].to_string()),
        'A' => T(DAYS[t.weekday as usize].to_string()),
        'b' | 'h' => T(MONTHS[t.month as usize - 1][..3].to_string()),
        'B' => T(MONTHS[t.month as usize - 1].to_string()),
        'c' => T(strftime("%a %b %e %H:%M:%S %Y", t)),
        'C' => N(t.year.div_euclid(100), 2, Pad::Zero),
        'd' => N(i64::from(t.day), 2, Pad::Zero),
        'D' | 'x' => T(strftime("%m/%d/%y", t)),
        'e' => N(i64::from(t.day), 2, Pad::Space),
        'F' => T(strftime("%Y-%m-%d", t)),
        'g' => N(iso_year.rem_euclid(100), 2, Pad::Zero),
        'G' => N(iso_year, 4, Pad::Zero),
        'H' => N(i64::from(t.hour), 2, Pad::Zero),
        'I' => N(i64::from(hour12), 2, Pad::Zero),
        'j' => N(i64::from(t.yday), 3, Pad::Zero),
        'k' => N(i64::from(t.hour), 2, Pad::Space),
        'l' => N(i64::from(hour12), 2, Pad::Space),
        'm' => N(i64::from(t.month), 2, Pad::Zero),
        'M' => N(i64::from(t.minute), 2, Pad::Zero),
        'n' => T("\n".to_string()),
        'N' => {
            // A width keeps that many leading digits: `%3N` is milliseconds.
            let digits = format!("{:09}", t.nanos);
            T(digits[..width.unwrap_or(9).min(9)].to_string())
        }
        'p' => T(if t.hour < 12 { "AM" } else { "PM" }.to_string()),
        'P' => T(if t.hour < 12 { "am" } else { "pm" }.to_string()),
        'q' => N(i64::from((t.month - 1) / 3 + 1), 1, Pad::Zero),
        'r' => T(strftime("%I:%M:%S %p", t)),
        'R' => T(strftime("%H:%M", t)),
        's' => N(t.epoch, 1, Pad::Zero),
        'S' => N(i64::from(t.second), 2, Pad::Zero),
        't' => T("\t".to_string()),
        'T' | 'X' => T(strftime("%H:%M:%S", t)),
        'u' => N(i64::from((t.weekday + 6) % 7 + 1), 1, Pad::Zero),
        'U' => N(i64::from((t.yday + 6 - t.weekday) / 7), 2, Pad::Zero),
        'V' => N(iso_week, 2, Pad::Zero),
        'w' => N(i64::from(t.weekday), 1, Pad::Zero),
        'W' => N(
            i64::from((t.yday + 6 - (t.weekday + 6) % 7) / 7),
            2,
            Pad::Zero,
        ),
        'y' => N(t.year.rem_euclid(100), 2, Pad::Zero),
        'Y' => N(t.year, 1, Pad::Zero),
        'z' => T(match colons {
            0 => "+0000",
            1 => "+00:00",
            2 => "+00:00:00",
            _ => "+00",
        }
        .to_string()),
        'Z' => T("UTC".to_string()),
        '%' => T("%".to_string()),
        _ => return None,
    };
    Some(field)
}

/// The ISO 8601 week-numbering year and week (weeks start on Monday; week 1 holds the
/// year's first Thursday).
fn iso_week(t: &Tm) -> (i64, i64) {
    let days = days_from_civil(t.year, t.month, i64::from(t.day));
    let monday_based = i64::from((t.weekday + 6) % 7);
    let thursday = days - monday_based + 3;
    let year = super::super::calendar::civil_from_days(thursday).0;
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week)
}

fn number(
    out: &mut String,
    n: i64,
    default_width: usize,
    pad: Pad,
    flag: Option<char>,
    width: Option<usize>,
) {
    let pad = match flag {
        Some('-') => Pad::None,
        Some('_') => Pad::Space,
        Some('0') => Pad::Zero,
        _ => pad,
    };
    let width = match (pad, width) {
        (Pad::None, _) => 0,
        (_, Some(w)) => w,
        (_, None) => default_width,
    };
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    let fill = width.saturating_sub(digits.len() + sign.len());
    match pad {
        Pad::Zero => {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', fill));
        }
        _ => {
            out.extend(std::iter::repeat_n(' ', fill));
            out.push_str(sign);
        }
    }
    out.push_str(&digits);
}

fn text(out: &mut String, s: &str, flag: Option<char>, width: Option<usize>, conv: char) {
    let s = match flag {
        Some('^') => s.to_uppercase(),
        // `#` swaps case where that reads better: lower for %Z and %p, upper for names.
        Some('#') if matches!(conv, 'Z' | 'p') => s.to_lowercase(),
        Some('#') => s.to_uppercase(),
        _ => s.to_string(),
    };
    if conv == 'N' {
        out.push_str(&s);
        return;
    }
    let fill = width.unwrap_or(0).saturating_sub(s.chars().count());
    let c = if flag == Some('0') { '0' } else { ' ' };
    out.extend(std::iter::repeat_n(c, fill));
    out.push_str(&s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_match_gnu_date() {
        let t = Tm::from_epoch(1_735_689_600, 0);
        let f = "%c|%x|%X|%D|%e|%k|%l|%P|%p|%C|%g|%G|%V|%U|%W|%h|%j|%u|%w|%y|%n|%t|%%|%s|%N|%3N|%-d|%_m|%^a|%10Y|%z|%:z|%Z";
        assert_eq!(
            strftime(f, &t),
            "Wed Jan  1 00:00:00 2025|01/01/25|00:00:00|01/01/25| 1| 0|12|am|AM|20|25|2025|01|00|00|Jan|001|3|3|25|\n|\t|%|1735689600|000000000|000|1| 1|WED|0000002025|+0000|+00:00|UTC"
        );
        // 2025-03-05 14:07:09
        let t = Tm::from_epoch(1_741_183_629, 0);
        assert_eq!(
            strftime("%-H %_H %0e %-j %I %l %p %#Z", &t),
            "14 14 05 64 02  2 PM utc"
        );
        assert_eq!(strftime("%A%B%a%b %q %Q", &t), "WednesdayMarchWedMar 1 %Q");
    }

    #[test]
    fn iso_weeks_at_year_edges() {
        // 2024-12-30 is in ISO week 1 of 2025; 2021-01-03 in week 53 of 2020.
        let t = Tm::from_epoch(days_from_civil(2024, 12, 30) * 86_400, 0);
        assert_eq!(strftime("%G-%V", &t), "2025-01");
        let t = Tm::from_epoch(days_from_civil(2021, 1, 3) * 86_400, 0);
        assert_eq!(strftime("%G-%V %U %W", &t), "2020-53 01 00");
    }
}
