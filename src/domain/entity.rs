//! Entities: Medulla's sites, departments and tenants, and their ids.

/// An entity (site, department, tenant) the user may see.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// `UUID<n>`, the root being `UUID0`.
    pub uuid: String,
    pub name: String,
    /// Full path, e.g. `General > Public > Library`.
    pub completename: String,
    pub level: u32,
}

/// `UUID<n>`, as Medulla names entities (at most 12 digits).
pub fn looks_like_entity_id(text: &str) -> bool {
    text.strip_prefix("UUID").is_some_and(|n| (1..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids() {
        assert!(looks_like_entity_id("UUID0") && looks_like_entity_id("UUID123456789012"));
        for not in ["", "UUID", "uuid3", "UUID3x", "UUID1234567890123", "<b>UUID3</b>", "UUID-3"] {
            assert!(!looks_like_entity_id(not), "{not}");
        }
    }
}
