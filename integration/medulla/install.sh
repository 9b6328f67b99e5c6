#!/bin/sh
# Installs the console side of Medulla Imaging Status on a Medulla server
# (as root), from this folder: the page and its registration (apply.sh),
# an apt hook that runs apply.sh again after every package operation (so an
# upgrade of the console's imaging module does not lose the page), and the
# ACL entry of the page.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/apply.sh"
cat > /etc/apt/apt.conf.d/80medulla-imaging-status <<APT
// Medulla Imaging Status: put its page back into the console's imaging
// module after an upgrade rewrote the module's files (idempotent).
DPkg::Post-Invoke { "if [ -x $here/apply.sh ]; then $here/apply.sh >/dev/null || true; fi"; };
APT
if command -v mysql >/dev/null; then
  mysql admin < "$here/acl.sql" && echo "install.sh: ACL entry imaging#manage#imaging_status added"
else
  echo "install.sh: no mysql client here: run 'mysql admin < $here/acl.sql' on the database server" >&2
fi
echo "install.sh: done; users get the page at their next login"
