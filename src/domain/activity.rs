//! The imaging server's recent activity: what each line says happened.

use super::timestamp::Timestamp;

/// A line of recent imaging activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub timestamp: Option<Timestamp>,
    pub computer: String,
    pub message: String,
    pub phase: Phase,
    pub state: ActivityState,
}

/// The phase of imaging a log line is about: Medulla's `imaging_log_state`
/// (`ImagingLogState` nomenclature of the imaging database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Boot,
    Menu,
    Restoration,
    Backup,
    Postinstall,
    Error,
    Delete,
    Inventory,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityState {
    Done,
    Running,
    Failed,
    Unknown,
}

impl Phase {
    pub fn from_label(label: &str) -> Self {
        match label.trim().to_ascii_lowercase().as_str() {
            "boot" => Self::Boot,
            "menu" => Self::Menu,
            "restoration" | "restore" => Self::Restoration,
            "backup" => Self::Backup,
            "postinstall" | "postinst" => Self::Postinstall,
            "error" => Self::Error,
            "delete" => Self::Delete,
            "inventory" => Self::Inventory,
            _ => Self::Unknown,
        }
    }

    /// Its label, as [`Phase::from_label`] reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Boot => "boot",
            Self::Menu => "menu",
            Self::Restoration => "restoration",
            Self::Backup => "backup",
            Self::Postinstall => "postinstall",
            Self::Error => "error",
            Self::Delete => "delete",
            Self::Inventory => "inventory",
            Self::Unknown => "unknown",
        }
    }
}

impl ActivityState {
    /// The outcome of a log line: Medulla logs phases, the outcome is in the
    /// free text (`detail`: "restoration started", "restoration finished",
    /// "end-of-backup failure: …", "hardware inventory not stored", the
    /// messages of services/pulse2/package_server/imaging/pxe/). Failure
    /// words win, then completion, then progress; the `error` phase is a
    /// failure whatever it says.
    pub fn from_phase(phase: Phase, detail: &str) -> Self {
        let detail = detail.to_ascii_lowercase();
        let says = |words: &[&str]| words.iter().any(|w| detail.contains(w));
        if phase == Phase::Error
            || says(&[
                "fail",
                "error",
                "not stored",
                "not updated",
                "unable",
                "cannot",
                "échec",
                "erreur",
                "impossible",
            ])
        {
            Self::Failed
        } else if says(&["success", "finished", "done", "complete", "shown", "sent", "received", "updated", "booted"]) {
            Self::Done
        } else if says(&["started", "request", "in progress", "running"]) {
            Self::Running
        } else {
            Self::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Running => "running",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_outcomes_from_phase_and_detail() {
        use ActivityState::*;
        let state = |phase: &str, detail: &str| ActivityState::from_phase(Phase::from_label(phase), detail);
        // Medulla's own messages.
        assert_eq!(state("restoration", "restoration finished"), Done);
        assert_eq!(state("restoration", "restoration started"), Running);
        assert_eq!(state("backup", "end-of-backup success: UUID12"), Done);
        assert_eq!(state("backup", "end-of-backup failure: UUID12"), Failed);
        assert_eq!(state("backup", "image UUID request"), Running);
        assert_eq!(state("backup", "failed to summon an image UUID"), Failed);
        assert_eq!(state("inventory", "hardware inventory not stored"), Failed);
        assert_eq!(state("inventory", "hardware inventory not updated: timeout"), Failed);
        assert_eq!(state("inventory", "hardware inventory updated"), Done);
        assert_eq!(state("menu", "boot menu shown"), Done);
        assert_eq!(state("menu", "identification failure"), Failed);
        assert_eq!(state("error", "critical error"), Failed);
        assert_eq!(state("error", "Something happened"), Failed);
        assert_eq!(state("unknown", "choosen menu entry"), Unknown);
        assert_eq!(Phase::from_label("POSTINSTALL"), Phase::Postinstall);
        assert_eq!(Phase::from_label("restore_done"), Phase::Unknown);
    }
}
