//! Times as Medulla and the gateway write them (RFC 3339, the agent's
//! local times), read by the `time` crate.

/// A server time, as the agent sends it (a Python time tuple).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Timestamp {
    /// From the 9 integers of a Python time tuple (only the first 6 count);
    /// `None` unless they make a real date and time.
    pub fn from_tuple(t: &[i64]) -> Option<Self> {
        let part = |i: usize| t.get(i).copied().and_then(|v| u8::try_from(v).ok());
        let ts = Self {
            year: t.first().copied().filter(|y| (1..=9999).contains(y))? as i32,
            month: part(1)?,
            day: part(2)?,
            hour: part(3)?,
            minute: part(4)?,
            // Python's tuples allow the leap seconds 60 and 61.
            second: part(5).filter(|s| *s <= 61)?,
        };
        ts.date_time().map(|_| ts)
    }

    /// As the `time` crate's, which checks the calendar (no 31 February).
    fn date_time(&self) -> Option<time::PrimitiveDateTime> {
        let month = time::Month::try_from(self.month).ok()?;
        let date = time::Date::from_calendar_date(self.year, month, self.day).ok()?;
        date.with_hms(self.hour, self.minute, self.second.min(59)).ok()
    }

    /// Seconds since 1970-01-01 00:00:00, reading it as UTC.
    pub fn unix_seconds(&self) -> i64 {
        self.date_time().map_or(0, |t| t.assume_utc().unix_timestamp())
    }

    /// `2026-11-25T09:05:07`.
    pub fn iso(&self) -> String {
        let Self { year, month, day, hour, minute, second } = self;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
    }

    /// An RFC 3339 time (`2026-11-25T09:05:07Z`, `…07.250+01:00`), in
    /// milliseconds since 1970 (read by the `time` crate).
    pub fn rfc3339_ms(text: &str) -> Option<i64> {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
    }

    /// An HTTP date (`Sat, 28 Nov 2026 09:07:19 GMT`), in milliseconds
    /// since 1970 (read by the `httpdate` crate).
    pub fn http_date_ms(text: &str) -> Option<i64> {
        let at = httpdate::parse_http_date(text).ok()?;
        let since = at.duration_since(std::time::UNIX_EPOCH).ok()?;
        i64::try_from(since.as_millis()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_the_rest_gateway_are_read_in_milliseconds_since_1970() {
        assert_eq!(Timestamp::rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(Timestamp::rfc3339_ms("2026-11-25T09:05:07Z"), Some(1_795_597_507_000));
        assert_eq!(Timestamp::rfc3339_ms("2026-11-25T10:05:07.25+01:00"), Some(1_795_597_507_250));
        assert_eq!(Timestamp::rfc3339_ms("2024-02-29T23:59:59-00:30"), Some(1_709_252_999_000));
        assert_eq!(Timestamp::http_date_ms("Wed, 25 Nov 2026 09:05:07 GMT"), Some(1_795_597_507_000));
        let leap_day = Timestamp::from_tuple(&[2000, 2, 29, 0, 0, 0]).expect("a leap day");
        assert_eq!(leap_day.unix_seconds(), 951_782_400);
        assert_eq!(Timestamp::rfc3339_ms(&format!("{}Z", leap_day.iso())), Some(951_782_400_000));
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T09:05:07",
            "2026-13-25T09:05:07Z",
            "2026-11-25T09:05:07+1",
            "2026-11-25T09:05Z",
            "2026-11-25T09:05:07:01Z",
            "2026-11-25T09:05:07.x5Z",
            "2026-11-25T+9:05:07Z",
            "2026-02-31T09:05:07Z",
        ] {
            assert_eq!(Timestamp::rfc3339_ms(bad), None, "{bad}");
        }
        for bad in ["", "Wed, 25 Nov 2026 09:05:07", "Wed, 25 Foo 2026 09:05:07 GMT", "Wed, 25 Nov 2026 09:05 GMT"] {
            assert_eq!(Timestamp::http_date_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn python_time_tuples_become_timestamps() {
        assert_eq!(
            Timestamp::from_tuple(&[2026, 11, 25, 9, 5, 7, 2, 329, -1]),
            Some(Timestamp { year: 2026, month: 11, day: 25, hour: 9, minute: 5, second: 7 })
        );
        assert_eq!(Timestamp::from_tuple(&[2026, 13, 1, 0, 0, 0]), None);
        assert_eq!(Timestamp::from_tuple(&[2026, 2, 31, 0, 0, 0]), None, "no 31 February");
        assert_eq!(Timestamp::from_tuple(&[2025, 2, 29, 0, 0, 0]), None, "2025 is not a leap year");
        assert_eq!(Timestamp::from_tuple(&[2026]), None);
    }
}
