//! The pre-flight of "Create a reference image": is there room for a new
//! master in the imaging server's image store? A master is a copy of a
//! whole disk; an image store that fills up mid-capture fails the capture.

use super::ServerFigures;

/// The limits of `config.json`, in decimal GB (10^9 bytes, the units the
/// tab shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreLimits {
    /// Below this much free space, the user is warned and asked to confirm
    /// (`min_free_image_store_gb`).
    pub warn_below_gb: u32,
    /// ...or below this share of the store (`min_free_image_store_percent`).
    pub warn_below_percent: u32,
    /// Below this, the action is disabled (`image_store_floor_gb`).
    pub floor_gb: u32,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self { warn_below_gb: 20, warn_below_percent: 10, floor_gb: 5 }
    }
}

/// What the image store leaves room for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Room {
    Enough,
    /// Below a warning limit: confirm first.
    Low {
        free_mib: u64,
        free_percent: f64,
    },
    /// Below the floor: not launched.
    BelowFloor {
        free_mib: u64,
    },
    /// The server did not report its image store: confirm first.
    Unknown,
}

/// Whether `mib` MiB is less than `gb` GB.
fn below(mib: u64, gb: u32) -> bool {
    mib.saturating_mul(1 << 20) < u64::from(gb) * 1_000_000_000
}

pub fn room_for_a_master(figures: &ServerFigures, limits: &StoreLimits) -> Room {
    let Some(store) = &figures.image_store else { return Room::Unknown };
    let free_mib = store.free_mib;
    let free_percent = (100.0 - store.used_percent).clamp(0.0, 100.0);
    if below(free_mib, limits.floor_gb) {
        Room::BelowFloor { free_mib }
    } else if below(free_mib, limits.warn_below_gb) || free_percent < f64::from(limits.warn_below_percent) {
        Room::Low { free_mib, free_percent }
    } else {
        Room::Enough
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ImageStore;

    fn store(used_percent: f64, free_gb: f64) -> ServerFigures {
        let image_store =
            ImageStore { used_percent, free_mib: (free_gb * 1e9 / 1_048_576.0).ceil() as u64, size_kib: None };
        ServerFigures { image_store: Some(image_store), ..Default::default() }
    }

    #[test]
    fn the_limits_of_the_issue_by_default() {
        let limits = StoreLimits::default();
        assert_eq!(room_for_a_master(&store(85.0, 73.6), &limits), Room::Enough, "the demo's store");
        let low = |f: &ServerFigures| matches!(room_for_a_master(f, &limits), Room::Low { .. });
        assert!(low(&store(80.0, 19.9)), "under 20 GB");
        assert!(low(&store(91.0, 900.0)), "under 10 % free, however large");
        assert!(!low(&store(90.0, 20.0)), "exactly at both limits: enough");
        assert_eq!(room_for_a_master(&store(99.0, 4.5), &limits), Room::BelowFloor { free_mib: 4292 });
        assert!(low(&store(99.0, 5.0)), "the floor itself is allowed, with a warning");
        assert_eq!(room_for_a_master(&ServerFigures::default(), &limits), Room::Unknown);
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let off = StoreLimits { warn_below_gb: 0, warn_below_percent: 0, floor_gb: 0 };
        assert_eq!(room_for_a_master(&store(100.0, 0.0), &off), Room::Enough);
        let percent_only = StoreLimits { warn_below_gb: 0, ..off };
        assert_eq!(
            room_for_a_master(&store(99.5, 1.0), &StoreLimits { warn_below_percent: 1, ..percent_only }),
            Room::Low { free_mib: 954, free_percent: 0.5 }
        );
    }
}
