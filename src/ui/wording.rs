//! The words of each state of the status: its icon, title, why and what to do.

use crate::domain::{Health, RelayPresence, ServerStatus, Trouble};
use crate::i18n::Lang;

/// The words of a state: its icon, title, explanation and, when imaging
/// cannot go on, the recommended action.
pub struct Words {
    pub icon: &'static str,
    pub title: &'static str,
    pub why: &'static str,
    pub todo: Option<&'static str>,
}

pub fn describe(h: &Health, lang: Lang) -> Words {
    let stop = lang.tr("Do not proceed; notify your administrator or support.");
    let (icon, why, todo) = match h {
        Health::Checking => ("…", lang.tr("Asking Medulla about this entity’s imaging server."), None),
        Health::SignedOut => (
            "!",
            lang.tr("You are not signed in to Medulla (or your session has ended), so the status cannot be read."),
            Some(lang.tr("Sign in again below; the selected entity is kept.")),
        ),
        Health::Unreachable(..) => (
            "?",
            lang.tr("Medulla’s own API did not answer properly: the status of the imaging server is unknown."),
            Some(lang.tr("Check your network, then use “Refresh now”. If it persists, contact your administrator.")),
        ),
        Health::Known(r) => match r.status {
            ServerStatus::Available(_) => ("✔", lang.tr("The imaging server is active and ready for use."), None),
            ServerStatus::ConnectionError => (
                "⚠",
                lang.tr(
                    "The server’s host is up, but Medulla cannot talk to its imaging service: a deployment would fail.",
                ),
                Some(stop),
            ),
            ServerStatus::Offline(_) => (
                "✖",
                lang.tr(
                    "The imaging server linked to this entity is inactive: images cannot be deployed to its machines.",
                ),
                Some(stop),
            ),
            ServerStatus::NotLinked => (
                "–",
                lang.tr("Neither this entity nor an ancestor that serves its descendants has an imaging server."),
                Some(lang.tr("Ask your administrator to link an imaging server to this entity.")),
            ),
        },
    };
    Words { icon, title: title_of(h.as_str(), lang), why, todo }
}

/// The title of a state (`Health::as_str`), as the screen says it.
pub fn title_of(state: &str, lang: Lang) -> &'static str {
    match state {
        "checking" => lang.tr("Checking…"),
        "signed-out" => lang.tr("Signed out"),
        "unreachable" => lang.tr("Medulla unreachable"),
        "available" => lang.tr("Available"),
        "connection-error" => lang.tr("Connection error"),
        "offline" => lang.tr("Offline"),
        _ => lang.tr("No imaging server linked"),
    }
}

/// What is known of the relay of an Offline server, in words.
pub fn relay_text(relay: RelayPresence, lang: Lang) -> Option<&'static str> {
    Some(match relay {
        RelayPresence::Present => return None,
        RelayPresence::Absent => lang.tr("Its imaging server does not answer, and the relay hosting it is not connected to Medulla."),
        RelayPresence::NotFound => lang.tr("Its imaging server does not answer, and no relay of Medulla has its address: the relay was not identified."),
        RelayPresence::NoAddress => lang.tr("Its imaging server does not answer, and its address in Medulla has no host name or IP (public_ip is empty): the relay was not identified."),
        RelayPresence::Unknown => lang.tr("Its imaging server does not answer, and Medulla’s list of relays could not be read."),
    })
}

/// While the imaging server keeps Medulla waiting: what that means now.
pub fn waiting_text(h: &Health, lang: Lang) -> &'static str {
    match h {
        Health::Known(_) => lang.tr("Medulla is still waiting for the imaging server itself (up to 30 seconds); the status will change if it answers."),
        _ => lang.tr("The imaging server is slow to answer: Medulla waits up to 30 seconds for a server whose host is down."),
    }
}

/// What went wrong with Medulla's API, in words.
pub fn trouble_text(trouble: &Trouble, lang: Lang, timeout: u32) -> String {
    match trouble {
        Trouble::Timeout => {
            lang.trf("Medulla did not answer within {timeout} seconds.", &[("timeout", &lang.int(timeout.into()))])
        }
        Trouble::Network => lang.tr("The request did not reach Medulla (network, proxy or certificate).").into(),
        Trouble::Http(code) => {
            lang.trf("Medulla or its proxy answered with HTTP error {code}.", &[("code", &code.to_string())])
        }
        Trouble::Unreadable => lang.tr("Medulla’s answer could not be read.").into(),
        Trouble::Fault(code) => lang.trf("Medulla reported an error (fault {code}).", &[("code", &code.to_string())]),
        Trouble::TooLarge => {
            lang.tr("Medulla (or a proxy) sent an answer far larger than any it should: it was refused.").into()
        }
        Trouble::Exception => {
            lang.tr("Medulla reported an internal error (its database or one of its plugins failed).").into()
        }
        Trouble::NoEntity => lang.tr("Your Medulla account sees no entity.").into(),
        Trouble::Busy => {
            lang.tr("The gateway has too many requests to Medulla in progress; the tab will try again shortly.").into()
        }
    }
}
