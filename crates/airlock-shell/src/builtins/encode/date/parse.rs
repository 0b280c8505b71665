//! `date -d STRING`: the inputs people write. Absolute items (`2025-01-31`, `2025/01/31`,
//! `01/31/2025`, `Jan 31 2025`, `10:30[:15[.5]]`, `3pm`, ISO 8601 with `T` and `Z` or an
//! offset, `@SECONDS`) and relative ones (`now`, `today`, `yesterday`, `tomorrow`,
//! `[+-]N unit [ago]`, `next week`, `last monday`). UTC throughout.

use super::super::calendar::{Tm, days_from_civil};

/// A moment: seconds since the epoch and the nanoseconds past them.
pub(super) type Moment = (i64, u32);

#[derive(Debug, Default)]
struct Items {
    date: Option<(i64, u32, i64)>,
    time: Option<(i64, i64, i64, u32)>,
    /// East of UTC, in seconds (`+02:00` is 7200).
    zone: i64,
    years: i64,
    months: i64,
    days: i64,
    seconds: i64,
    /// `(ordinal, weekday)`: `monday` is (0, 1), `next monday` (1, 1), `last monday` (-1, 1).
    weekday: Option<(i64, u32)>,
    /// The last relative item, for `ago`: which field and how much.
    last: Option<(Unit, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Month,
    Day,
    Second,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// A relative unit word: its field and how many of that field one is.
fn unit(word: &str) -> Option<(Unit, i64)> {
    let w = word.strip_suffix('s').unwrap_or(word);
    Some(match w {
        "year" => (Unit::Year, 1),
        "month" => (Unit::Month, 1),
        "fortnight" => (Unit::Day, 14),
        "week" => (Unit::Day, 7),
        "day" => (Unit::Day, 1),
        "hour" => (Unit::Second, 3600),
        "minute" | "min" => (Unit::Second, 60),
        "second" | "sec" => (Unit::Second, 1),
        _ => return None,
    })
}

fn month_name(word: &str) -> Option<u32> {
    let prefix = word.get(..3)?;
    let i = MONTHS.iter().position(|m| *m == prefix)?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][i];
    (word.len() == 3 || full == word || (word == "sept")).then_some(i as u32 + 1)
}

fn day_name(word: &str) -> Option<u32> {
    let prefix = word.get(..3)?;
    let i = DAYS.iter().position(|d| *d == prefix)?;
    let full = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ][i];
    (word.len() == 3 || full == word).then_some(i as u32)
}

/// Splits the input into words: `T` between a date and a time, a zone glued to a time
/// (`12:00+02:00`, `12:00Z`) and `pm` glued to a number become words of their own.
fn tokens(input: &str) -> Vec<String> {
    let lower = input.to_ascii_lowercase().replace(',', " ");
    let mut spaced = String::with_capacity(lower.len() + 8);
    let b = lower.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let prev_digit = i > 0 && b[i - 1].is_ascii_digit();
        let next_digit = b.get(i + 1).is_some_and(u8::is_ascii_digit);
        let in_time = lower[..i]
            .rsplit(' ')
            .next()
            .is_some_and(|w| w.contains(':'));
        match c {
            b't' if prev_digit && next_digit => spaced.push(' '),
            b'z' if prev_digit && !b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                spaced.push_str(" utc")
            }
            b'+' | b'-' if prev_digit && in_time => {
                spaced.push(' ');
                spaced.push(c as char);
            }
            b'a' | b'p' if prev_digit && b.get(i + 1) == Some(&b'm') => {
                spaced.push(' ');
                spaced.push(c as char);
            }
            _ => spaced.push(c as char),
        }
    }
    // `now + 1 day`: a lone sign belongs to the number after it.
    let mut words: Vec<String> = Vec::new();
    let mut sign = None;
    for w in spaced.split_whitespace() {
        match (w, sign.take()) {
            ("+" | "-", _) => sign = Some(w),
            (_, Some(s)) => words.push(format!("{s}{w}")),
            (_, None) => words.push(w.to_string()),
        }
    }
    if let Some(s) = sign {
        words.push(s.to_string());
    }
    words
}

/// `5`, `+5`, `-5`.
fn is_number(s: &str) -> bool {
    all_digits(s.strip_prefix(['+', '-']).unwrap_or(s))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `10:30`, `10:30:15`, `10:30:15.25`.
fn clock(s: &str) -> Option<(i64, i64, i64, u32)> {
    let mut parts = s.split(':');
    let h: i64 = parts
        .next()
        .filter(|p| all_digits(p) && p.len() <= 2)?
        .parse()
        .ok()?;
    let m: i64 = parts
        .next()
        .filter(|p| all_digits(p) && p.len() == 2)?
        .parse()
        .ok()?;
    let (sec, nanos) = match parts.next() {
        None => (0, 0),
        Some(p) => {
            let (whole, frac) = p.split_once(['.', ',']).unwrap_or((p, ""));
            if !all_digits(whole) || whole.len() != 2 || !(frac.is_empty() || all_digits(frac)) {
                return None;
            }
            let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
            (whole.parse().ok()?, digits.parse().ok()?)
        }
    };
    if parts.next().is_some() || h > 24 || m > 59 || sec > 60 {
        return None;
    }
    Some((h, m, sec, nanos))
}

/// `2025-01-31`, `2025/01/31`, `01/31/2025`, `01/31`, `20250131`; year defaults to `year`.
fn calendar_date(s: &str, year: i64) -> Option<(i64, u32, i64)> {
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    if !parts.iter().all(|p| all_digits(p)) {
        return None;
    }
    let n = |p: &str| p.parse::<i64>().ok();
    let (y, m, d) = match (parts.as_slice(), s.contains('/')) {
        ([y, m, d], false) => (n(y)?, n(m)?, n(d)?),
        ([a, m, d], true) if a.len() == 4 => (n(a)?, n(m)?, n(d)?),
        ([m, d, y], true) => (n(y)?, n(m)?, n(d)?),
        ([m, d], true) => (year, n(m)?, n(d)?),
        ([all], false) if all.len() == 8 => (n(&all[..4])?, n(&all[4..6])?, n(&all[6..])?),
        _ => return None,
    };
    valid(y, m, d)
}

fn valid(y: i64, m: i64, d: i64) -> Option<(i64, u32, i64)> {
    let month = u32::try_from(m).ok().filter(|m| (1..=12).contains(m))?;
    let next = if month == 12 {
        (y + 1, 1)
    } else {
        (y, month + 1)
    };
    let len = days_from_civil(next.0, next.1, 1) - days_from_civil(y, month, 1);
    (1..=len).contains(&d).then_some((y, month, d))
}

/// `+02:00`, `-0500`, `+02`: east of UTC in seconds.
fn zone_offset(s: &str) -> Option<i64> {
    let (sign, body) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits = body.replace(':', "");
    if !all_digits(&digits) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits.get(2..).map_or(Some(0), |x| x.parse().ok())?;
    Some(sign * (h * 3600 + m * 60))
}

/// Parses `input` relative to `now`; `None` when it is not a date.
pub(super) fn parse(input: &str, now: Moment) -> Option<Moment> {
    let trimmed = input.trim();
    if let Some(secs) = trimmed.strip_prefix('@') {
        let (whole, frac) = secs.split_once('.').unwrap_or((secs, ""));
        let negative = whole.starts_with('-');
        let w: i64 = whole.parse().ok()?;
        if !frac.is_empty() && !all_digits(frac) {
            return None;
        }
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
        let nanos: i64 = digits.parse().ok()?;
        let total = i128::from(w) * 1_000_000_000
            + if negative {
                -i128::from(nanos)
            } else {
                i128::from(nanos)
            };
        let secs = total.div_euclid(1_000_000_000) as i64;
        return Some((secs, total.rem_euclid(1_000_000_000) as u32));
    }
    let items = items(&tokens(trimmed), Tm::from_epoch(now.0, 0).year)?;
    Some(resolve(&items, now))
}

fn items(words: &[String], this_year: i64) -> Option<Items> {
    let mut it = Items::default();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        i += 1;
        match w {
            "now" | "today" => continue,
            "yesterday" => add(&mut it, Unit::Day, -1),
            "tomorrow" => add(&mut it, Unit::Day, 1),
            "utc" | "gmt" | "z" => it.zone = 0,
            "ago" => {
                let (unit, n) = it.last?;
                add(&mut it, unit, -2 * n);
            }
            "next" | "last" | "this" => {
                let n = match w {
                    "next" => 1,
                    "last" => -1,
                    _ => 0,
                };
                let word = next?;
                i += 1;
                if let Some((unit, k)) = unit(word) {
                    add(&mut it, unit, n * k);
                } else {
                    it.weekday = Some((n, day_name(word)?));
                }
            }
            "am" | "pm" => {
                let (h, m, s, ns) = it.time?;
                if !(1..=12).contains(&h) {
                    return None;
                }
                let h = h % 12 + if w == "pm" { 12 } else { 0 };
                it.time = Some((h, m, s, ns));
            }
            _ if w.contains(':') && !w.starts_with(['+', '-']) => it.time = Some(clock(w)?),
            _ if (w.starts_with(['+', '-'])
                && it.time.is_some()
                && next.is_none_or(|n| unit(n).is_none())) =>
            {
                it.zone = zone_offset(w)?;
            }
            _ if (w.contains(['-', '/']) && !w.starts_with(['+', '-']))
                || (all_digits(w) && w.len() == 8) =>
            {
                it.date = Some(calendar_date(w, this_year)?);
            }
            _ if is_number(w) => {
                let n: i64 = w.parse().ok()?;
                if let Some((unit, k)) = next.and_then(unit) {
                    i += 1;
                    add(&mut it, unit, n * k);
                } else if matches!(next, Some("am" | "pm")) {
                    it.time = Some((n, 0, 0, 0));
                } else if let Some(month) = next.and_then(month_name).filter(|_| all_digits(w)) {
                    // `5 Jan 2025`: the day comes first.
                    let year = words.get(i + 1).filter(|y| all_digits(y) && y.len() == 4);
                    let y = year.and_then(|y| y.parse().ok()).unwrap_or(this_year);
                    it.date = Some(valid(y, i64::from(month), n)?);
                    i += 1 + usize::from(year.is_some());
                } else {
                    return None;
                }
            }
            _ => {
                if let Some((unit, k)) = unit(w) {
                    add(&mut it, unit, k);
                } else if let Some(month) = month_name(w) {
                    i = month_date(words, i, month, this_year, &mut it)?;
                } else if let Some(day) = day_name(w) {
                    it.weekday = Some((0, day));
                } else {
                    return None;
                }
            }
        }
    }
    Some(it)
}

/// `Jan 5`, `Jan 5 2025`, `January 5, 2025` after the month word at `words[i - 1]`.
fn month_date(
    words: &[String],
    mut i: usize,
    month: u32,
    year: i64,
    it: &mut Items,
) -> Option<usize> {
    let day = words.get(i).filter(|d| all_digits(d) && d.len() <= 2)?;
    i += 1;
    let y = match words.get(i).filter(|y| all_digits(y) && y.len() == 4) {
        Some(y) => {
            i += 1;
            y.parse().ok()?
        }
        None => year,
    };
    it.date = Some(valid(y, i64::from(month), day.parse().ok()?)?);
    Some(i)
}

fn add(it: &mut Items, unit: Unit, n: i64) {
    match unit {
        Unit::Year => it.years += n,
        Unit::Month => it.months += n,
        Unit::Day => it.days += n,
        Unit::Second => it.seconds += n,
    }
    it.last = Some((unit, n));
}

fn resolve(it: &Items, now: Moment) -> Moment {
    let today = Tm::from_epoch(now.0, now.1);
    let (mut y, mut m, mut d) = it
        .date
        .unwrap_or((today.year, today.month, i64::from(today.day)));
    let explicit = it.date.is_some() || it.time.is_some() || it.weekday.is_some();
    let (h, mi, s, nanos) = match it.time {
        Some(t) => t,
        None if explicit => (0, 0, 0, 0),
        None => (
            i64::from(today.hour),
            i64::from(today.minute),
            i64::from(today.second),
            today.nanos,
        ),
    };
    if let (Some((ordinal, target)), None) = (it.weekday, it.date) {
        let current = today.weekday as i64;
        let ahead = (i64::from(target) - current).rem_euclid(7);
        let back = (current - i64::from(target)).rem_euclid(7);
        d += match ordinal {
            0 => ahead,
            n if n > 0 => (if ahead == 0 { 7 } else { ahead }) + 7 * (n - 1),
            n => -(if back == 0 { 7 } else { back }) + 7 * (n + 1),
        };
    }
    // Years and months move the calendar fields; the day may then overflow into the next
    // month, as GNU's mktime normalisation does (Jan 31 + 1 month = Mar 3).
    let total_months = y * 12 + i64::from(m) - 1 + it.years * 12 + it.months;
    y = total_months.div_euclid(12);
    m = (total_months.rem_euclid(12) + 1) as u32;
    d += it.days;
    let days = days_from_civil(y, m, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - it.zone + it.seconds;
    (secs, nanos)
}

#[cfg(test)]
mod tests;
