#!/usr/bin/env bash
# Trunk post-build hook: moves Trunk's inline bootstrap <script> out of
# index.html into its own file (boot-<hash>.js), so that the page runs under
# a Content-Security-Policy without 'unsafe-inline' or a per-build hash.
# Fails the build when index.html keeps any inline script or style.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}"
html="$dir/index.html"
start='<script type="module">'
grep -qF "$start" "$html" || { echo "boot-script: no inline module script in $html" >&2; exit 1; }
# The lines between the opening and the closing tag of the one inline module.
body=$(sed -n "\\|^$start\$|,\\|^</script>\$|p" "$html" | sed '1d;$d')
[ -n "$body" ] || { echo "boot-script: the inline script is not on lines of its own" >&2; exit 1; }
name="boot-$(printf '%s\n' "$body" | sha256sum | cut -c1-16).js"
printf '%s\n' "$body" > "$dir/$name"
# Replaces the block by a reference to the file (relative, like every asset).
sed -i "\\|^$start\$|,\\|^</script>\$|c\\<script type=\"module\" src=\"./$name\"></script>" "$html"
if grep -Eq '<script(\s[^>]*)?>[^<]|<style|\sstyle=' "$html" || grep -q '<script type="module">' "$html"; then
  echo "boot-script: $html still has an inline script or style" >&2
  exit 1
fi
