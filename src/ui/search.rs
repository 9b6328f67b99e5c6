//! Finding entities by what people type: every word, ignoring case and accents.

use crate::domain::Entity;

/// Lower case without the accents of the Latin alphabets' letters (French,
/// Spanish, German...), for matching as people type. Done here for Latin-1
/// letters rather than with `char::to_lowercase`, whose Unicode tables would
/// weigh more than the whole selector.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'A'..='Z' | 'À'..='Ö' | 'Ø'..='Þ' => char::from_u32(c as u32 + 32).unwrap_or(c),
            _ => c,
        })
        .map(|c| match c {
            'à'..='å' => 'a',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ò'..='ö' | 'ø' => 'o',
            'ù'..='ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// The entities whose full path holds every word of `query`.
pub fn matching<'a>(entities: &'a [Entity], query: &str) -> Vec<&'a Entity> {
    let words: Vec<String> = fold(query).split_whitespace().map(String::from).collect();
    entities
        .iter()
        .filter(|e| {
            let path = fold(&e.completename);
            words.iter().all(|w| path.contains(w.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(uuid: &str, path: &str) -> Entity {
        Entity { uuid: uuid.into(), name: path.into(), completename: path.into(), level: 0 }
    }

    #[test]
    fn every_word_must_match_ignoring_case_and_accents() {
        let list = [
            entity("UUID1", "General > Écoles > Lycée Pasteur"),
            entity("UUID2", "General > Public > Library"),
            entity("UUID3", "General > Public"),
            entity("UUID4", "General > ESPAÑA > Área Técnica"),
        ];
        let uuids = |q: &str| matching(&list, q).iter().map(|e| e.uuid.as_str()).collect::<Vec<_>>();
        assert_eq!(uuids("ecoles lycee"), ["UUID1"]);
        assert_eq!(uuids("PUBLIC"), ["UUID2", "UUID3"]);
        assert_eq!(uuids("pub lib"), ["UUID2"]);
        assert_eq!(uuids("ÉCOLES"), ["UUID1"]);
        assert_eq!(uuids("espana area tecnica"), ["UUID4"]);
        assert_eq!(uuids("España ÁREA"), ["UUID4"]);
        assert_eq!(uuids(""), ["UUID1", "UUID2", "UUID3", "UUID4"]);
        assert!(uuids("paris").is_empty());
    }
}
