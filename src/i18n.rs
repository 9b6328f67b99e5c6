//! The tab's languages: English, written in the code, and one per gettext
//! catalog in `locale/` (see `catalogs/`), compiled in by `build.rs`.
//!
//! - Texts: `lang.tr("…")`, `lang.trf("… {name} …", &[("name", v)])` and
//!   `lang.trn("{n} day", "{n} days", n)`, the plural form chosen by the
//!   catalog's own `Plural-Forms`. The build fails when a text lacks a
//!   translation, so none can be missing.
//! - Numbers, sizes, dates and durations: the browser's `Intl`, in the
//!   language, so that a new language needs no code.

use crate::domain::Timestamp;

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

/// A language of the tab (an index in [`CODES`]); English by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Lang(u8);

impl Lang {
    pub const EN: Lang = Lang(0);

    /// Every language, English first.
    pub fn all() -> impl Iterator<Item = Lang> {
        (0..CODES.len() as u8).map(Lang)
    }

    /// From a BCP 47 tag or a locale code (`fr-CA`, `fr_FR`, `es`); `None`
    /// when the tab has no catalog for it.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_', '.', '@']).next()?.to_ascii_lowercase();
        CODES.iter().position(|c| *c == primary).map(|i| Lang(i as u8))
    }

    /// Its ISO 639-1 code (`fr`), as `lang` attributes and `Intl` take it.
    pub fn code(self) -> &'static str {
        CODES[usize::from(self.0)]
    }

    fn forms(self, en: &str) -> Option<&'static [&'static str]> {
        let catalog = usize::from(self.0.checked_sub(1)?);
        translations(en).map(|t| t[catalog])
    }

    /// A text in this language.
    pub fn tr(self, en: &'static str) -> &'static str {
        self.translated(en)
    }

    /// [`Lang::tr`], for helpers whose callers pass the literal.
    pub(crate) fn translated(self, en: &'static str) -> &'static str {
        self.forms(en).and_then(|f| f.first().copied()).unwrap_or(en)
    }

    /// A text with `{name}` placeholders, filled in.
    pub fn trf(self, en: &'static str, args: &[(&str, &str)]) -> String {
        fill(self.translated(en), args)
    }

    /// A text that depends on a count, `{n}` being the count written in
    /// this language.
    pub fn trn(self, one: &'static str, many: &'static str, n: u64) -> String {
        let form = plural_form(usize::from(self.0), n);
        let text = match self.forms(one) {
            Some(forms) => forms.get(form).copied().unwrap_or(many),
            None if form == 0 => one,
            None => many,
        };
        fill(text, &[("n", &self.int(n))])
    }

    /// Its name, in itself (`Français`), as its catalog gives it: a text
    /// of the catalogs rather than `Intl.DisplayNames`, whose data for the
    /// three languages took 20 ms of every start (6–8 ms of a second
    /// visit, measured).
    pub fn name(self) -> &'static str {
        match self {
            Lang::EN => "English",
            _ => self.tr("English (the name of the language you translate into, written in it)"),
        }
    }

    /// A whole number.
    pub fn int(self, n: u64) -> String {
        intl::number(self.code(), "int", n as f64)
    }

    /// A number with at most one decimal.
    pub fn decimal(self, x: f64) -> String {
        intl::number(self.code(), "decimal", x)
    }

    /// A percentage given in hundredths (`43.5` for 43.5 %).
    pub fn percent(self, x: f64) -> String {
        intl::number(self.code(), "percent", x / 100.0)
    }

    /// A size in the decimal unit that keeps it at or above 1 (kB, MB, GB,
    /// TB, PB; `Go` in French).
    pub fn size(self, bytes: f64) -> String {
        const UNITS: [&str; 5] = ["kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"];
        let mut value = bytes / 1000.0;
        let mut unit = 0;
        while value >= 1000.0 && unit < UNITS.len() - 1 {
            value /= 1000.0;
            unit += 1;
        }
        intl::number(self.code(), UNITS[unit], value)
    }

    /// A size given in KiB, as Medulla counts disks and memory.
    pub fn size_kib(self, kib: u64) -> String {
        self.size(kib as f64 * 1024.0)
    }

    /// A size given in MiB (`df -m`).
    pub fn size_mib(self, mib: u64) -> String {
        self.size(mib as f64 * 1_048_576.0)
    }

    /// A size given in GB, as the configuration sets limits.
    pub fn size_gb(self, gb: u32) -> String {
        self.size(f64::from(gb) * 1e9)
    }

    /// `4 days 1 hr 25 min` / `4 jours 1 h 25 min`.
    pub fn uptime(self, seconds: u64) -> String {
        let (days, hours, minutes) = crate::domain::figures::split_uptime(seconds);
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(intl::number(self.code(), "day", days as f64));
        }
        if days > 0 || hours > 0 {
            parts.push(intl::number(self.code(), "hour", hours as f64));
        }
        parts.push(intl::number(self.code(), "minute", minutes as f64));
        parts.join(" ")
    }

    /// How long something has lasted: `less than a minute`, `18 min`,
    /// `2 hr 5 min`, `3 days 0 hr 10 min`.
    pub fn elapsed_ms(self, ms: u64) -> String {
        match ms / 1000 {
            s if s < 60 => self.tr("less than a minute").to_string(),
            s => self.uptime(s),
        }
    }

    /// Builds the `Intl` formatters a status is said with (times, counts,
    /// sizes, durations): the first build of each loads the language's data,
    /// 1–5 ms, better spent while the first answers travel than after.
    pub fn prepare(self) {
        for style in ["clock", "date", "int", "decimal", "percent", "megabyte", "gigabyte", "day", "hour", "minute"] {
            intl::prepare(self.code(), style);
        }
    }

    /// A server timestamp, its date and time as the language writes them
    /// (`11/25/2026, 09:05:07`, `25/11/2026 09:05:07`).
    pub fn timestamp(self, t: &Timestamp) -> String {
        intl::date_time(self.code(), t.unix_seconds() as f64 * 1000.0, "utc")
    }

    /// A moment of the browser's clock (ms since the epoch), in its time
    /// zone: with its date (`"date"`) or the time only (`"clock"`).
    pub fn moment(self, ms: f64, with_date: bool) -> String {
        intl::date_time(self.code(), ms, if with_date { "date" } else { "clock" })
    }

    /// The day of a moment of the browser's clock, short (`Thu`, `jeu.`);
    /// with its time (`Thu 22:10`, `jeu. 22:10`).
    pub fn weekday(self, ms: f64, with_time: bool) -> String {
        intl::date_time(self.code(), ms, if with_time { "weekday-clock" } else { "weekday" })
    }
}

/// `{name}` placeholders replaced by their values.
fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The browser's `Intl`, one formatter per language and style, kept.
#[cfg(target_arch = "wasm32")]
mod intl {
    use js_sys::{Array, Function, Intl, Object, Reflect};
    use std::cell::RefCell;
    use wasm_bindgen::JsValue;

    thread_local! {
        static KEPT: RefCell<Vec<(&'static str, &'static str, Function)>> = const { RefCell::new(Vec::new()) };
        static SAID: RefCell<std::collections::HashMap<(usize, usize, u64), String>> = RefCell::default();
    }

    fn options(pairs: &[(&str, &str)]) -> Object {
        let o = Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        o
    }

    fn formatter(code: &'static str, style: &'static str) -> Function {
        if let Some(f) =
            KEPT.with(|k| k.borrow().iter().find(|(c, s, _)| *c == code && *s == style).map(|(.., f)| f.clone()))
        {
            return f;
        }
        let locales = Array::of1(&JsValue::from_str(code));
        let time = [("hour", "2-digit"), ("minute", "2-digit"), ("second", "2-digit"), ("hourCycle", "h23")];
        let date = [("year", "numeric"), ("month", "2-digit"), ("day", "2-digit")];
        let f = match style {
            "clock" => Intl::DateTimeFormat::new(&locales, &options(&time)).format(),
            "date" | "utc" => {
                let mut all = [&date[..], &time[..]].concat();
                if style == "utc" {
                    all.push(("timeZone", "UTC"));
                }
                Intl::DateTimeFormat::new(&locales, &options(&all)).format()
            }
            "weekday" => Intl::DateTimeFormat::new(&locales, &options(&[("weekday", "short")])).format(),
            "weekday-clock" => {
                let o = [("weekday", "short"), ("hour", "2-digit"), ("minute", "2-digit"), ("hourCycle", "h23")];
                Intl::DateTimeFormat::new(&locales, &options(&o)).format()
            }
            "int" => Intl::NumberFormat::new(&locales, &options(&[("maximumFractionDigits", "0")])).format(),
            "decimal" | "percent" => {
                let style = if style == "percent" { "percent" } else { "decimal" };
                Intl::NumberFormat::new(&locales, &options(&[("style", style), ("maximumFractionDigits", "1")]))
                    .format()
            }
            unit => {
                let width = if unit == "day" { "long" } else { "short" };
                let o = options(&[
                    ("style", "unit"),
                    ("unit", unit),
                    ("unitDisplay", width),
                    ("maximumFractionDigits", "1"),
                ]);
                Intl::NumberFormat::new(&locales, &o).format()
            }
        };
        KEPT.with(|k| k.borrow_mut().push((code, style, f.clone())));
        f
    }

    /// `Intl`'s text for `value` (a number, or ms since 1970 for the date
    /// styles, which `format` takes as they are). The last texts are kept:
    /// a view redrawn (the overview on each key press) says the same
    /// moments and counts again, and `Intl` is slow next to a lookup.
    fn format(code: &'static str, style: &'static str, value: f64) -> String {
        let key = (code.as_ptr() as usize, style.as_ptr() as usize, value.to_bits());
        if let Some(text) = SAID.with(|s| s.borrow().get(&key).cloned()) {
            return text;
        }
        let text = formatter(code, style)
            .call1(&JsValue::NULL, &JsValue::from_f64(value))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        SAID.with(|s| {
            let mut said = s.borrow_mut();
            if said.len() >= 4096 {
                said.clear();
            }
            said.insert(key, text.clone());
        });
        text
    }

    pub fn number(code: &'static str, style: &'static str, x: f64) -> String {
        format(code, style, x)
    }

    pub fn prepare(code: &'static str, style: &'static str) {
        formatter(code, style);
    }

    pub fn date_time(code: &'static str, ms: f64, style: &'static str) -> String {
        format(code, style, ms)
    }
}

/// Outside a browser (the gateway, native tests), which never show these:
/// plain renderings, without `Intl`'s data.
#[cfg(not(target_arch = "wasm32"))]
mod intl {
    pub fn number(_code: &str, style: &str, x: f64) -> String {
        match style {
            "int" => format!("{x:.0}"),
            "percent" => format!("{}%", (x * 1000.0).round() / 10.0),
            "decimal" => format!("{}", (x * 10.0).round() / 10.0),
            unit => format!("{} {unit}", (x * 10.0).round() / 10.0),
        }
    }

    pub fn date_time(_code: &str, ms: f64, _style: &str) -> String {
        format!("{ms}")
    }

    pub fn prepare(_code: &str, _style: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_from_tags_and_locale_codes() {
        assert_eq!(CODES[0], "en");
        for tag in ["fr", "fr-CA", "fr_FR", "FR_fr.UTF-8", " fr "] {
            assert_eq!(Lang::from_tag(tag).map(Lang::code), Some("fr"), "{tag}");
        }
        assert_eq!(Lang::from_tag("es_ES").map(Lang::code), Some("es"));
        assert_eq!(Lang::from_tag("en_US"), Some(Lang::EN));
        assert_eq!(Lang::from_tag("de"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert!(Lang::all().count() >= 3);
    }

    #[test]
    fn each_language_is_named_in_itself() {
        for (code, name) in [("en", "English"), ("fr", "Français"), ("es", "Español")] {
            assert_eq!(Lang::from_tag(code).map(Lang::name), Some(name));
        }
    }

    #[test]
    fn texts_from_the_catalogs() {
        let (fr, es) = (Lang::from_tag("fr").unwrap(), Lang::from_tag("es").unwrap());
        assert_eq!(Lang::EN.tr("Available"), "Available");
        assert_eq!(fr.tr("Available"), "Disponible");
        assert_eq!(es.tr("Available"), "Disponible");
        assert_eq!(fr.tr("Offline"), "Hors ligne");
        assert_eq!(es.tr("Offline"), "Fuera de línea");
        // A text the catalogs do not have stays as it is.
        assert_eq!(fr.translated("not a text of the tab"), "not a text of the tab");
        assert_eq!(
            fr.trf("Medulla did not answer within {timeout} seconds.", &[("timeout", "10")]),
            "Medulla n’a pas répondu en 10 secondes."
        );
    }

    #[test]
    fn plurals_follow_each_catalog() {
        let fr = Lang::from_tag("fr").unwrap();
        let es = Lang::from_tag("es").unwrap();
        let count = |lang: Lang, n| {
            lang.trn(
                "{n} more entity is not shown: type to narrow the list",
                "{n} more entities are not shown: type to narrow the list",
                n,
            )
        };
        assert!(count(Lang::EN, 1).starts_with("1 more entity is"), "{}", count(Lang::EN, 1));
        assert!(count(Lang::EN, 0).starts_with("0 more entities are"), "{}", count(Lang::EN, 0));
        // French takes the singular for 0 and 1, Spanish for 1 only.
        assert!(count(fr, 0).starts_with("0 autre entité"), "{}", count(fr, 0));
        assert!(count(fr, 2).starts_with("2 autres entités"), "{}", count(fr, 2));
        assert!(count(es, 0).starts_with("0 entidades más"), "{}", count(es, 0));
        assert!(count(es, 1).starts_with("1 entidad más"), "{}", count(es, 1));
    }
}
