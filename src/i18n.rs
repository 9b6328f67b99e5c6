//! English and French. Every text is written in both languages where it is
//! used (`lang.tr("…", "…")`), so none can be missing; numbers, sizes and
//! durations are formatted for the language here.

use crate::domain::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// From a BCP 47 tag such as `fr-FR` or `en-US`; English by default.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn tr(self, en: &'static str, fr: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    /// `n` followed by the right form of a word: French takes the singular
    /// for 0 and 1, English for 1 only.
    pub fn count(self, n: u64, en: (&str, &str), fr: (&str, &str)) -> String {
        let (one, many) = self.pick(en, fr);
        let singular = match self {
            Lang::En => n == 1,
            Lang::Fr => n < 2,
        };
        format!("{} {}", self.int(n), if singular { one } else { many })
    }

    fn pick<T>(self, en: T, fr: T) -> T {
        match self {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }

    /// A whole number with the language's thousands separator.
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let sep = self.pick(",", "\u{202f}");
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A number with one decimal, dropped when it is zero.
    pub fn decimal(self, x: f64) -> String {
        let tenths = (x.abs() * 10.0).round() as u64;
        let sign = if x < 0.0 && tenths > 0 { "-" } else { "" };
        let whole = self.int(tenths / 10);
        match tenths % 10 {
            0 => format!("{sign}{whole}"),
            d => format!("{sign}{whole}{}{d}", self.pick(".", ",")),
        }
    }

    pub fn percent(self, x: f64) -> String {
        format!("{}{}%", self.decimal(x), self.pick("", "\u{202f}"))
    }

    /// A size given in KiB, in the largest unit that keeps it above 1
    /// (`GB` in English, `Go` in French; units of 1024).
    pub fn size_kib(self, kib: u64) -> String {
        let units = self.pick(["KB", "MB", "GB", "TB", "PB"], ["Ko", "Mo", "Go", "To", "Po"]);
        let mut value = kib as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < units.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        format!("{}\u{a0}{}", self.decimal(value), units[unit])
    }

    /// `4 days 1 h 25 min` / `4 jours 1 h 25 min`.
    pub fn uptime(self, seconds: u64) -> String {
        let (days, hours, minutes) = crate::domain::figures::split_uptime(seconds);
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(self.count(days, ("day", "days"), ("jour", "jours")));
        }
        if days > 0 || hours > 0 {
            parts.push(format!("{hours}\u{a0}h"));
        }
        parts.push(format!("{minutes}\u{a0}min"));
        parts.join(" ")
    }

    /// How long something has lasted: `less than a minute`, `18 min`,
    /// `2 h 5 min`, `3 days 0 h 10 min`.
    pub fn elapsed_ms(self, ms: u64) -> String {
        match ms / 1000 {
            s if s < 60 => self.tr("less than a minute", "moins d’une minute").to_string(),
            s => self.uptime(s),
        }
    }

    /// A server timestamp, `2026-11-25 09:05:07` / `25/11/2026 09:05:07`.
    pub fn timestamp(self, t: &Timestamp) -> String {
        let time = format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
        match self {
            Lang::En => format!("{:04}-{:02}-{:02} {time}", t.year, t.month, t.day),
            Lang::Fr => format!("{:02}/{:02}/{:04} {time}", t.day, t.month, t.year),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_each_language() {
        let en = |n| Lang::En.count(n, ("master", "masters"), ("master", "masters"));
        let fr = |n| Lang::Fr.count(n, ("jour", "jours"), ("jour", "jours"));
        assert_eq!([en(0), en(1), en(2)], ["0 masters", "1 master", "2 masters"]);
        assert_eq!([fr(0), fr(1), fr(2)], ["0 jour", "1 jour", "2 jours"]);
    }

    #[test]
    fn numbers_and_sizes_per_language() {
        assert_eq!(Lang::En.int(1_234_567), "1,234,567");
        assert_eq!(Lang::Fr.int(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::En.int(999), "999");
        assert_eq!(Lang::En.decimal(85.04), "85");
        assert_eq!(Lang::Fr.decimal(12.34), "12,3");
        assert_eq!(Lang::En.percent(43.0), "43%");
        assert_eq!(Lang::Fr.percent(43.0), "43\u{202f}%");
        assert_eq!(Lang::En.size_kib(515_928_320), "492\u{a0}GB");
        assert_eq!(Lang::Fr.size_kib(16_318_480), "15,6\u{a0}Go");
        assert_eq!(Lang::En.size_kib(512), "512\u{a0}KB");
    }

    #[test]
    fn uptime_and_timestamps_per_language() {
        assert_eq!(Lang::En.uptime(350_735), "4 days 1\u{a0}h 25\u{a0}min");
        assert_eq!(Lang::Fr.uptime(86_400 + 60), "1 jour 0\u{a0}h 1\u{a0}min");
        assert_eq!(Lang::En.uptime(59), "0\u{a0}min");
        assert_eq!(Lang::En.elapsed_ms(59_999), "less than a minute");
        assert_eq!(Lang::Fr.elapsed_ms(18 * 60_000 + 5_000), "18\u{a0}min");
        assert_eq!(Lang::En.elapsed_ms(2 * 3_600_000 + 5 * 60_000), "2\u{a0}h 5\u{a0}min");
        let t = Timestamp { year: 2026, month: 11, day: 25, hour: 9, minute: 5, second: 7 };
        assert_eq!(Lang::En.timestamp(&t), "2026-11-25 09:05:07");
        assert_eq!(Lang::Fr.timestamp(&t), "25/11/2026 09:05:07");
    }

    #[test]
    fn language_from_browser_tags() {
        assert_eq!(Lang::from_tag("fr-CA"), Lang::Fr);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("de"), Lang::En);
    }
}
