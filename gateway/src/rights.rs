//! What a Medulla user may do in the imaging module, read as the console
//! reads it. The agent's `base.getUserAcl` gives the user's ACL string
//! (the LDAP `lmcACL`; `""` for root: agent/mmc/plugins/base/__init__.py,
//! `getUserAcl`), `:module#submodule#page[#tab]...[/attributes]`; the
//! console parses it with `createAclArray`
//! (web/modules/base/includes/edit.inc.php) and lets a user open a page
//! when they are root or the page is in it (`hasCorrectAcl`,
//! web/includes/acl.inc.php). Hand-written: the format is Medulla's own,
//! and no library reads it.

use std::collections::HashSet;

/// The imaging module's page that shows it (web/modules/imaging/
/// infoPackage.inc.php: module `imaging`, submodule `manage`, default page
/// `index`).
const VIEW: (&str, &str, &str) = ("imaging", "manage", "index");

/// The console's own boot-menu synchronisation (`bsync`) is handled in
/// web/modules/imaging/manage/location.php, which each of these pages
/// includes: any one of them gives it.
const SYNCHRONISE: [&str; 6] = ["index", "bootmenu", "configuration", "master", "postinstall", "service"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rights {
    root: bool,
    pages: HashSet<(String, String, String)>,
}

impl Rights {
    /// The rights of `login`, whose ACL string is `acl`.
    pub fn of(login: &str, acl: &str) -> Self {
        let pages = acl.split('/').next().unwrap_or_default();
        let pages = pages
            .split(':')
            .filter_map(|item| {
                let parts: Vec<&str> = item.split('#').collect();
                match parts.as_slice() {
                    // A page; `mod#submod#page#tab` is a tab's right, not a page's.
                    [module, submodule, page] => Some((module.to_string(), submodule.to_string(), page.to_string())),
                    _ => None,
                }
            })
            .collect();
        Self { root: login == "root", pages }
    }

    fn page(&self, module: &str, submodule: &str, page: &str) -> bool {
        self.root || self.pages.contains(&(module.to_string(), submodule.to_string(), page.to_string()))
    }

    /// May open the imaging module (and so this tab).
    pub fn may_view_imaging(&self) -> bool {
        self.page(VIEW.0, VIEW.1, VIEW.2)
    }

    /// May synchronise boot menus, as the console allows it.
    pub fn may_synchronise(&self) -> bool {
        SYNCHRONISE.iter().any(|page| self.page("imaging", "manage", page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_read_as_the_console_reads_them() {
        // A profile's string as Medulla builds it (services/pulse2/database/
        // admin/__init__.py: ":" + ":".join(sorted(entries)) + "/").
        let imaging = Rights::of("alice", ":base#main#default:imaging#manage#bootmenu:imaging#manage#index/");
        assert!(imaging.may_view_imaging() && imaging.may_synchronise());
        let bootmenu_only = Rights::of("bob", ":base#main#default:imaging#manage#bootmenu/");
        assert!(!bootmenu_only.may_view_imaging() && bootmenu_only.may_synchronise());
        let inventory = Rights::of("carol", ":base#main#default:inventory#inventory#index/:mail=rw");
        assert!(!inventory.may_view_imaging() && !inventory.may_synchronise());
        // A tab's right is not the page's.
        let tab = Rights::of("dave", ":imaging#manage#index#tab1/");
        assert!(!tab.may_view_imaging());
        // An empty string: root sees everything, anyone else nothing.
        assert!(Rights::of("root", "").may_view_imaging());
        assert!(!Rights::of("erin", "").may_view_imaging());
        assert!(!Rights::of("erin", "garbage:::##/").may_view_imaging());
    }
}
