//! Calendar dates of reduced precision: a year, a year and month, or a full day.
//!
//! Sources often give only "July 2025"; a fact must not claim a day it does not know.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 8601 calendar date with optional month and day: `2025`, `2025-07`, `2025-11-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

/// Why a string is not a valid [`Date`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date: expected YYYY, YYYY-MM or YYYY-MM-DD with a real month and day")]
pub struct DateError(String);

impl Date {
    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, if known.
    pub fn month(self) -> Option<u8> {
        self.month
    }

    /// The day, if known.
    pub fn day(self) -> Option<u8> {
        self.day
    }

    /// The first day this date may mean, as a [`DayNumber`]: `2025-07` starts on 2025-07-01.
    pub fn first_day(self) -> DayNumber {
        DayNumber::of(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The last day this date may mean: `2025-07` ends on 2025-07-31 (counted as the 31st of
    /// any month: day numbers only compare, they are not a calendar).
    pub fn last_day(self) -> DayNumber {
        DayNumber::of(self.year, self.month.unwrap_or(12), self.day.unwrap_or(31))
    }
}

/// Whether a fact true from `since` (open when `None`) until `until` (the day it stopped; open
/// when `None`) may hold on `date`: false only when the date is known to fall before `since`
/// begins or on or after the last day `until` may mean. Reduced precision counts in the fact's
/// favour. The one validity window of the model: [`crate::model::Relation::holds_on`] and a
/// standard's time in force both read it.
pub fn holds_between(since: Option<Date>, until: Option<Date>, date: Date) -> bool {
    let started = since.is_none_or(|since| since.first_day() <= date.last_day());
    let ended = until.is_some_and(|until| date.first_day() >= until.last_day());
    started && !ended
}

/// A day as one comparable number (`year * 372 + (month - 1) * 31 + day - 1`): monotone in the
/// calendar, so reduced-precision dates compare by the days they may mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayNumber(u32);

impl DayNumber {
    fn of(year: u16, month: u8, day: u8) -> Self {
        DayNumber(
            u32::from(year) * 372
                + u32::from(month.saturating_sub(1)) * 31
                + u32::from(day.saturating_sub(1)),
        )
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DateError(s.to_owned());
        let mut parts = s.split('-');
        let year = parse_part(parts.next(), 4).ok_or_else(bad)?;
        let month = parts
            .next()
            .map(|m| parse_part(Some(m), 2).ok_or_else(bad))
            .transpose()?;
        let day = parts
            .next()
            .map(|d| parse_part(Some(d), 2).ok_or_else(bad))
            .transpose()?;
        if parts.next().is_some() || !(1000..=9999).contains(&year) {
            return Err(bad());
        }
        let month = month
            .map(|m| u8::try_from(m).map_err(|_| bad()))
            .transpose()?;
        let day = day
            .map(|d| u8::try_from(d).map_err(|_| bad()))
            .transpose()?;
        if let Some(m) = month
            && !(1..=12).contains(&m)
        {
            return Err(bad());
        }
        if let (Some(m), Some(d)) = (month, day)
            && !(1..=days_in_month(year, m)).contains(&d)
        {
            return Err(bad());
        }
        let year = u16::try_from(year).map_err(|_| bad())?;
        Ok(Date { year, month, day })
    }
}

fn parse_part(part: Option<&str>, width: usize) -> Option<u32> {
    let part = part?;
    (part.len() == width && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| part.parse().ok())
        .flatten()
}

fn days_in_month(year: u32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// Written as its text (`2025-07`), as it is read.
impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_precision() {
        for ok in ["2025", "2025-07", "2025-11-12", "2024-02-29"] {
            let d: Date = ok.parse().expect(ok);
            assert_eq!(d.to_string(), ok);
        }
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "",
            "25",
            "2025-13",
            "2025-02-29",
            "2025-1-1",
            "2025-01-01-01",
            "x025",
            "2025-04-31",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn orders_chronologically() {
        let a: Date = "2025-04-24".parse().expect("valid");
        let b: Date = "2025-11-12".parse().expect("valid");
        assert!(a < b);
    }
}
