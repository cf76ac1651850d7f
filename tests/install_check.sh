#!/bin/sh
# Installs the build into a scratch DESTDIR and uses it as a packager and a C programmer
# would (tests/test_install.c runs it): pkg-config, the headers alone, a program linked
# against libdomino.so, the installed domino finding its shipped scenarios by name, man
# pages, bash completion, LICENSE, and only the public API exported.
# usage: install_check.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -eu
build=$1 src=$2 dest=$3/root
fail() { echo "install_check: $*" >&2; exit 1; }

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$3/install.log" 2>&1 ||
  fail "meson install failed: $(tail -5 "$3/install.log")"
pc=$(find "$dest" -name domino.pc | head -1)
[ -n "$pc" ] || fail "no domino.pc installed"
so=$(find "$dest" -name 'libdomino.so.*' -type f | head -1)
[ -n "$so" ] || fail "no shared libdomino.so installed"
libdir=$(dirname "$so")
soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
case $soname in libdomino.so.[0-9]*) ;; *) fail "libdomino's SONAME is '$soname', expected libdomino.so.N" ;; esac
[ -L "$libdir/libdomino.so" ] || fail "no libdomino.so development link"
bin=$(find "$dest" -path '*/bin/domino' | head -1)
[ -x "$bin" ] || fail "no domino program installed"
inc=$(dirname "$(find "$dest" -path '*/include/domino.h' | head -1)")
share=$(dirname "$(find "$dest" -path '*/share/domino/scenarios' -type d | head -1)")

# the exported symbols are the public API: every one starts with dm_, internal helpers
# (dmi_*, the node rule) are hidden, and every function declared in the headers is there
nm -D --defined-only "$so" | awk '$2 ~ /[TDBR]/ {print $3}' | sort > "$3/exported"
bad=$(grep -v '^dm_' "$3/exported" | grep -v '^_' || true)
[ -z "$bad" ] || fail "exported symbols outside the dm_ API: $bad"
for hidden in dmi_sort_by_key dmi_enter dmi_node_evaluate dmi_read_named; do
  ! grep -qx "$hidden" "$3/exported" || fail "internal symbol $hidden is exported"
done
grep -ho 'DM_EXPORT [^(;]*[ *]dm_[a-z0-9_]*[([]' "$inc"/domino.h "$inc"/domino/*.h |
  sed 's/.*[ *]\(dm_[a-z0-9_]*\)[([]$/\1/' | sort -u > "$3/declared"
missing=$(comm -23 "$3/declared" "$3/exported")
[ -z "$missing" ] || fail "declared with DM_EXPORT but not in libdomino.so: $missing"
# a public declaration without DM_EXPORT would be hidden in the library: none may exist
undeclared=$(grep -hE '^(const |unsigned |struct )*[a-z_0-9]+[ *]+dm_[a-z0-9_]+\(' "$inc"/domino.h "$inc"/domino/*.h | grep -v '^static' || true)
[ -z "$undeclared" ] || fail "public functions declared without DM_EXPORT: $undeclared"

# each public header compiles alone (twice: include guards), with nothing but the installed
# include directory (igraph's and HDF5's live in their own directories) and includes no
# dependency's header: graphs cross the API as CSR arrays
for h in "$inc"/domino.h "$inc"/domino/*.h; do
  rel=${h#"$inc"/}
  printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$rel" "$rel" > "$3/one.c"
  cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$inc" -fsyntax-only "$3/one.c" || fail "header $rel does not compile alone"
  ! grep -q '<igraph\|<hdf5\|<gsl/' "$h" || fail "header $rel includes a dependency's header"
done

# a program built with pkg-config against the installed library
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs domino) || fail "pkg-config --cflags --libs domino failed"
san=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(",".join(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize" and o["value"] != "none"))')
sanflags=""
[ -z "$san" ] || sanflags="-fsanitize=$san"
cc -std=c11 -Wall -Wextra -Werror -pedantic $sanflags "$src/tests/install_program.c" -o "$3/program" $flags -Wl,-rpath,"$libdir" ||
  fail "cannot build a program with \$(pkg-config --cflags --libs domino): $flags"
"$3/program" > "$3/program.out" || fail "the program built against libdomino failed"
cat "$3/program.out"

# the installed program finds the shipped scenarios by name and the default scenario
( cd "$3" && "$bin" run tokyo-area-blackout --quiet > run.out ) || fail "installed 'domino run tokyo-area-blackout' failed"
grep -q 'tokyo' "$3/run.out" || grep -qi 'blackout\|停電' "$3/run.out" || fail "'domino run tokyo-area-blackout' printed no timeline"
( cd "$3" && "$bin" run default --quiet > default.out ) || fail "installed 'domino run default' failed"
[ -f "$share/sweeps/ict-battery.yaml" ] || fail "the sweeps are not installed"
[ -f "$share/models/japan-prefectures.yaml" ] || fail "the models are not installed"

# a man page per command, well-formed; bash completion; the licence
for c in "" run timeline info sweep merge analyze validate generate; do
  page=$(find "$dest" -path "*/man1/domino${c:+-$c}.1" | head -1)
  [ -n "$page" ] || fail "no man page domino${c:+-$c}.1"
  warn=$(groff -man -ww -z "$page" 2>&1) || fail "man page $page: $warn"
  [ -z "$warn" ] || fail "man page $page: $warn"
done
comp=$(find "$dest" -path '*/bash-completion/completions/domino' | head -1)
[ -n "$comp" ] || fail "no bash completion installed"
bash -c ". '$comp' && complete -p domino" > /dev/null || fail "the bash completion does not register"
lic=$(find "$dest" -path '*/doc/domino/LICENSE' | head -1)
[ -n "$lic" ] && grep -q 'MIT License' "$lic" || fail "no MIT LICENSE installed"
# the Python package, when meson found a Python to install it for
pyconf=$(find "$dest" -path '*/domino/_config.py' | head -1)
if [ -n "$pyconf" ]; then
  grep -q "libdomino.so.0" "$pyconf" || fail "the Python package does not say where libdomino is"
  asan=$(ldd "$so" | awk '/libasan/ {print $3}')  # a sanitized build: its runtime first
  ( cd "$3" && if [ -n "$asan" ]; then export LD_PRELOAD="$asan" ASAN_OPTIONS=detect_leaks=0; fi &&
    PYTHONPATH=$(dirname "$(dirname "$pyconf")") DOMINO_LIBRARY="$so" /usr/bin/python3 -c \
      'import domino; r = domino.run("tokyo-area-blackout", replicates=2); print("python:", r.summary["scenario"], r.dataset.sizes["replicate"])' \
      > py.out 2>&1 ) || fail "the installed Python package failed: $(cat "$3/py.out")"
  cat "$3/py.out"
fi
echo "install_check: ok"
