#!/bin/sh
# Adds the Medulla Imaging Status page to the console's imaging module, or
# adds it again after an upgrade of the console's package rewrote the
# module's files. Idempotent: what it added before is replaced, never doubled.
#
#   apply.sh            install or re-apply (as root)
#   apply.sh --remove   take it all out again
#
# What it touches, in the console's web root (MMC_WEB, default
# /usr/share/mmc):
#   modules/imaging/manage/imaging_status.php   the page (a file of ours)
#   modules/imaging/infoPackage.inc.php         a marked block registering it
#   modules/imaging/manage/localSidebar.php     a marked block: its sidebar entry
# The two module files belong to the console's package: an upgrade rewrites
# them, and the apt hook installed by install.sh runs this script again.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
web=${MMC_WEB:-/usr/share/mmc}
module="$web/modules/imaging"
begin="// BEGIN medulla-imaging-status (added by $here/apply.sh)"
end="// END medulla-imaging-status"

[ -f "$module/infoPackage.inc.php" ] || { echo "apply.sh: no console imaging module in $module" >&2; exit 1; }

# Our block taken out of file $1, written to $2.
strip() {
  awk -v b="// BEGIN medulla-imaging-status" -v e="$end" '
    index($0, b) == 1 { skip = 1; next }
    skip && index($0, e) == 1 { skip = 0; next }
    !skip { print }' "$1" > "$2"
}

# File $1 with the block of file $4 inserted, written to $1 itself: before
# the first line matching $3 ($2 = before), or after the line that follows
# it ($2 = after). Fails, changing nothing, when no line matches.
insert() {
  awk -v where="$2" -v pattern="$3" -v block="$4" '
    function put() { while ((getline line < block) > 0) print line; close(block); done = 1 }
    !done && where == "before" && $0 ~ pattern { put() }
    { print }
    !done && where == "after" && armed { put() }
    !done && where == "after" && $0 ~ pattern { armed = 1 }
    END { if (!done) exit 3 }' "$1" > "$1.with" || {
      echo "apply.sh: ${5} does not have the expected shape (no line matching $3); nothing changed" >&2
      exit 1
    }
  mv "$1.with" "$1"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip "$module/infoPackage.inc.php" "$work/infoPackage.inc.php"
strip "$module/manage/localSidebar.php" "$work/localSidebar.php"
if [ "${1:-}" = "--remove" ]; then
  cat "$work/infoPackage.inc.php" > "$module/infoPackage.inc.php"
  cat "$work/localSidebar.php" > "$module/manage/localSidebar.php"
  rm -f "$module/manage/imaging_status.php"
  echo "apply.sh: removed from $module"
  exit 0
fi

cat > "$work/page" <<PHP
$begin
\$page = new Page("imaging_status", _T("Imaging server status (live)", "imaging"));
\$submod->addPage(\$page);
$end
PHP
cat > "$work/sidebar" <<PHP
$begin
\$sidemenu->addSideMenuItem(
    new SideMenuItem(_T("Imaging server status (live)", "imaging"), "imaging", "manage", "imaging_status")
);
$end
PHP
# The page joins the "manage" submodule before that is added to the module.
insert "$work/infoPackage.inc.php" before '^[$]mod->addSubmod[(][$]submod[)];' "$work/page" "$module/infoPackage.inc.php"
# The entry comes right after the console's own "Imaging server status".
insert "$work/localSidebar.php" after '"imaging", *"manage", *"index"[)]' "$work/sidebar" "$module/manage/localSidebar.php"

# Both files are ready: only now is anything changed (in place, keeping
# their owner and mode).
install -m 0644 "$here/imaging_status.php" "$module/manage/imaging_status.php"
cat "$work/infoPackage.inc.php" > "$module/infoPackage.inc.php"
cat "$work/localSidebar.php" > "$module/manage/localSidebar.php"
echo "apply.sh: added to $module"
