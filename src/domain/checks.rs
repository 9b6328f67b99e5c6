//! Which answer of which check may go on screen.
//!
//! Every check gets a [`Ticket`]: the generation it belongs to (a new one
//! with each selection, sign-in and manual refresh) and a sequence number
//! that only grows. An answer is applied only when its ticket is of the
//! current generation and no answer of a newer ticket was applied before:
//! a check that finishes late never overwrites a newer one, and nothing
//! asked before a switch lands after it, even when the user switches back.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub generation: u64,
    pub seq: u64,
}

#[derive(Debug, Default)]
pub struct Checks {
    generation: u64,
    issued: u64,
    /// The ticket whose answer is on screen, and whether it was its last.
    applied: u64,
    applied_last: bool,
}

impl Checks {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts a new generation: no answer to an earlier ticket is applied
    /// any more.
    pub fn new_generation(&mut self) {
        self.generation += 1;
    }

    pub fn issue(&mut self) -> Ticket {
        self.issued += 1;
        Ticket { generation: self.generation, seq: self.issued }
    }

    /// The newest ticket issued so far.
    pub fn issued(&self) -> u64 {
        self.issued
    }

    /// Records an answer to `ticket` (`last`: its final one, else a
    /// provisional one) and says whether it goes on screen.
    pub fn admit(&mut self, ticket: Ticket, last: bool) -> bool {
        let newer = ticket.seq > self.applied || (ticket.seq == self.applied && !self.applied_last);
        if ticket.generation != self.generation || !newer {
            return false;
        }
        self.applied = ticket.seq;
        self.applied_last = last;
        true
    }

    /// An answer to a ticket issued after `seq` is on screen.
    pub fn answered_after(&self, seq: u64) -> bool {
        self.applied > seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_answer_landing_after_a_fresh_one_is_refused() {
        let mut checks = Checks::default();
        let monitor = checks.issue();
        let recheck = checks.issue();
        assert!(checks.admit(recheck, true));
        assert!(!checks.admit(monitor, true), "the older check finished last: it must not win");
        assert!(checks.answered_after(monitor.seq));
    }

    #[test]
    fn answers_in_order_are_all_applied() {
        let mut checks = Checks::default();
        let first = checks.issue();
        let second = checks.issue();
        assert!(checks.admit(first, true));
        assert!(!checks.answered_after(first.seq));
        assert!(checks.admit(second, true));
        assert!(checks.answered_after(first.seq));
    }

    #[test]
    fn a_provisional_answer_is_replaced_by_the_final_one_never_the_reverse() {
        let mut checks = Checks::default();
        let t = checks.issue();
        assert!(checks.admit(t, false));
        assert!(checks.admit(t, false), "a later provisional answer of the same check");
        assert!(checks.admit(t, true));
        assert!(!checks.admit(t, false), "a provisional answer after the final one");
        assert!(!checks.admit(t, true), "the final answer twice");
    }

    #[test]
    fn nothing_asked_before_a_switch_lands_after_it_even_back_on_the_same_entity() {
        let mut checks = Checks::default();
        let before = checks.issue();
        checks.new_generation(); // to another entity
        checks.new_generation(); // and back
        assert!(!checks.admit(before, false));
        assert!(!checks.admit(before, true));
        let after = checks.issue();
        assert_eq!(after.generation, checks.generation());
        assert!(checks.admit(after, true));
        assert!(after.seq > before.seq && checks.issued() == after.seq);
    }
}
