//! When an image store reaches a floor at the rate of its recent samples:
//! a least-squares line through (time, free bytes), and nothing said when
//! the samples are too few or too short, or the trend flat or rising.

/// The samples a forecast reads: those of the last 7 days.
pub const WINDOW_MS: u64 = 7 * 86_400_000;
/// Fewer samples than this, or spanning less than [`MIN_SPAN_MS`], say
/// nothing of a trend.
pub const MIN_SAMPLES: usize = 4;
pub const MIN_SPAN_MS: u64 = 12 * 3_600_000;
/// A floor further than this at the fitted rate: the trend is flat.
pub const HORIZON_MS: u64 = 365 * 86_400_000;

/// A reading of the store's free space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreeSample {
    pub at_ms: u64,
    pub free_bytes: f64,
}

/// The line fitted through a store's samples: its free space at `at_ms`,
/// and how it changes (bytes per ms; negative: it shrinks).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    pub at_ms: u64,
    pub free_bytes: f64,
    pub bytes_per_ms: f64,
}

/// The least-squares line through the samples of the last [`WINDOW_MS`]
/// before `now_ms`, as of `now_ms`; `None` when they are too few or too
/// short to say a trend.
pub fn trend(samples: &[FreeSample], now_ms: u64) -> Option<Trend> {
    let from = now_ms.saturating_sub(WINDOW_MS);
    let recent: Vec<&FreeSample> =
        samples.iter().filter(|s| s.at_ms >= from && s.at_ms <= now_ms && s.free_bytes.is_finite()).collect();
    let (first, last) = (recent.iter().map(|s| s.at_ms).min()?, recent.iter().map(|s| s.at_ms).max()?);
    if recent.len() < MIN_SAMPLES || last - first < MIN_SPAN_MS {
        return None;
    }
    // Seconds from the first sample: small numbers, no loss of precision.
    let x = |at: u64| (at - first) as f64 / 1000.0;
    let n = recent.len() as f64;
    let mean_x = recent.iter().map(|s| x(s.at_ms)).sum::<f64>() / n;
    let mean_y = recent.iter().map(|s| s.free_bytes).sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for s in &recent {
        let dx = x(s.at_ms) - mean_x;
        sxy += dx * (s.free_bytes - mean_y);
        sxx += dx * dx;
    }
    let per_second = sxy / sxx;
    let free_now = mean_y + per_second * (x(now_ms) - mean_x);
    (per_second.is_finite() && free_now.is_finite()).then_some(Trend {
        at_ms: now_ms,
        free_bytes: free_now,
        bytes_per_ms: per_second / 1000.0,
    })
}

impl Trend {
    /// How long from `at_ms` until the line reaches `floor_bytes`: `Some(0)`
    /// when it is already under it; `None` when it is flat or rising, or
    /// the floor further than [`HORIZON_MS`].
    pub fn time_to(&self, floor_bytes: f64) -> Option<u64> {
        if self.bytes_per_ms >= 0.0 {
            return None;
        }
        if self.free_bytes <= floor_bytes {
            return Some(0);
        }
        let ms = (floor_bytes - self.free_bytes) / self.bytes_per_ms;
        (ms.is_finite() && ms <= HORIZON_MS as f64).then_some(ms as u64)
    }
}

/// How long, from `now_ms`, until the store's free space reaches
/// `floor_bytes` at the rate of the samples of the last [`WINDOW_MS`]:
/// `Some(0)` when the line is already under it; `None` when there is no
/// falling trend to speak of.
pub fn time_to_floor(samples: &[FreeSample], floor_bytes: f64, now_ms: u64) -> Option<u64> {
    trend(samples, now_ms)?.time_to(floor_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;
    const DAY: u64 = 24 * HOUR;
    const GB: f64 = 1e9;

    /// One sample every 6 hours over `days`, losing `per_day` bytes a day
    /// from `start`.
    fn shrinking(start: f64, per_day: f64, days: u64) -> Vec<FreeSample> {
        (0..=days * 4)
            .map(|i| FreeSample { at_ms: i * 6 * HOUR, free_bytes: start - per_day * i as f64 / 4.0 })
            .collect()
    }

    #[test]
    fn a_steady_loss_reaches_the_floor_when_the_line_says() {
        // 65 GB free, 5 GB a day lost: 60 GB above the 5 GB floor is 12 days
        // at the start; 7 days later, 5 days remain.
        let samples = shrinking(65.0 * GB, 5.0 * GB, 7);
        let left = time_to_floor(&samples, 5.0 * GB, 7 * DAY).expect("a forecast");
        assert!((left as f64 / DAY as f64 - 5.0).abs() < 0.01, "{left}");
    }

    #[test]
    fn under_the_floor_already_is_now() {
        let samples = shrinking(10.0 * GB, 2.0 * GB, 4);
        assert_eq!(time_to_floor(&samples, 5.0 * GB, 4 * DAY), Some(0));
    }

    #[test]
    fn no_trend_no_forecast() {
        let flat = shrinking(50.0 * GB, 0.0, 7);
        assert_eq!(time_to_floor(&flat, 5.0 * GB, 7 * DAY), None, "flat");
        let rising = shrinking(50.0 * GB, -GB, 7);
        assert_eq!(time_to_floor(&rising, 5.0 * GB, 7 * DAY), None, "rising");
        // 100 MB a day off 500 GB: years away, as good as flat.
        let slow = shrinking(500.0 * GB, 0.1 * GB, 7);
        assert_eq!(time_to_floor(&slow, 5.0 * GB, 7 * DAY), None, "beyond a year");
    }

    #[test]
    fn too_little_data_says_nothing() {
        let samples = shrinking(65.0 * GB, 5.0 * GB, 7);
        assert_eq!(time_to_floor(&samples[..3], 5.0 * GB, 12 * HOUR), None, "three samples");
        let close: Vec<FreeSample> =
            (0..10).map(|i| FreeSample { at_ms: i * HOUR, free_bytes: 60.0 * GB - i as f64 * GB }).collect();
        assert_eq!(time_to_floor(&close, 5.0 * GB, 10 * HOUR), None, "nine hours of samples");
        assert_eq!(time_to_floor(&[], 5.0 * GB, 0), None);
    }

    #[test]
    fn only_the_last_seven_days_count() {
        // Rising for 20 days, falling the last 7: the fall is what counts.
        let mut samples: Vec<FreeSample> =
            (0..80).map(|i| FreeSample { at_ms: i * 6 * HOUR, free_bytes: 20.0 * GB + i as f64 * GB }).collect();
        let top = 100.0 * GB;
        samples
            .extend((0..=28).map(|i| FreeSample { at_ms: 20 * DAY + i * 6 * HOUR, free_bytes: top - i as f64 * GB }));
        let left = time_to_floor(&samples, 5.0 * GB, 27 * DAY).expect("the last week falls");
        // 4 GB a day; 72 GB left at day 27, 67 above the floor: 16.75 days.
        assert!((left as f64 / DAY as f64 - 16.75).abs() < 0.01, "{left}");
    }
}
