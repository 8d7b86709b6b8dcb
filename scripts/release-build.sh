# The release build of kvsh, shared by scripts/kvsh and scripts/bench (sourced, not run).
#
#   release_swift_build SCRATCH ARG...   swift build -c release with the flags below and
#                                        --scratch-path SCRATCH; ARG... are added (--product
#                                        kvsh, --show-bin-path, ...)
#
# Each flag is there for the start-up time of a one-shot command (docs/architecture.md,
# "Start-up"; instruction counts of a cold `kv get` from scripts/bench BENCH_CALLGRIND=1):
#   --static-swift-stdlib      the Swift runtime linked in: no libswiftCore & co. to load.
#   -no-pie                    as the Go-built nats CLI: ~260 fewer copy-on-write page faults
#                              for start-up relocations.
#   --no-export-dynamic        the static runtime's link file asks for -export-dynamic; the
#                              runtime's dladdr at start-up scanned all ~19,000 symbols.
#   --disable-local-rpath      no RUNPATH $ORIGIN: with it the dynamic loader first looked for
#                              libm, libgcc_s and libc in ~20 hardware-capability directories
#                              beside the binary (about 40 failed openat/stat calls).
#   -disable-concrete-type-metadata-mangled-name-accessors
#                              concrete generic types (Dictionary<Int, …>, NIO's boxes) are
#                              made by calling their metadata accessors with the witness
#                              tables the compiler knows, instead of demangling their names at
#                              run time, where each generic requirement made the runtime scan
#                              all ~5,300 conformance records: 13.5 M -> 8.9 M instructions.
#   static C libraries         libedit (with libtinfo, libbsd, libmd), libsqlite3 and
#                              libstdc++ linked in, through pkg-config files naming a directory
#                              that holds only their archives: the dynamic loader no longer
#                              maps seven libraries and binds their symbols (3.4 M
#                              instructions, ~1.3 ms of a cold get).
# The binary then needs only libc, libm and libgcc_s. Debug and test builds (`swift build`)
# are unchanged: they link the shared libraries.

# Prints the pkg-config directory for a static link under SCRATCH, making it when needed; on
# a system without the archives prints nothing (the build then links the shared libraries).
release_static_pkgconfig() {
    local scratch=$1 lib_dir="$1/static-libs" pc_dir="$1/static-pkgconfig" multiarch archive
    multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
    mkdir -p "$lib_dir" "$pc_dir"
    for archive in "/usr/lib/$multiarch/libedit.a" "/usr/lib/$multiarch/libtinfo.a" \
                   "/usr/lib/$multiarch/libbsd.a" "/usr/lib/$multiarch/libmd.a" \
                   "/usr/lib/$multiarch/libsqlite3.a" "$(gcc -print-file-name=libstdc++.a 2>/dev/null)"; do
        [ -f "$archive" ] || { echo "release build: no $archive; linking the shared libraries" >&2; return 0; }
        ln -sf "$archive" "$lib_dir/$(basename "$archive")"
    done
    # Only archives in $lib_dir, and it comes first among the -L directories: -ledit,
    # -lsqlite3 and -lstdc++ find the archives there before any shared library.
    printf 'Name: libedit\nDescription: libedit, static\nVersion: 0\nLibs: -L%s -ledit -ltinfo -lbsd -lmd\n' \
        "$lib_dir" >"$pc_dir/libedit.pc"
    printf 'Name: sqlite3\nDescription: SQLite, static\nVersion: 0\nLibs: -L%s -lsqlite3 -lm\n' \
        "$lib_dir" >"$pc_dir/sqlite3.pc"
    printf '%s\n' "$pc_dir"
}

release_swift_build() {
    local scratch=$1 pc_dir search=${PKG_CONFIG_PATH:-}
    shift
    pc_dir="$(release_static_pkgconfig "$scratch")"
    [ -z "$pc_dir" ] || search="$pc_dir${search:+:$search}"
    PKG_CONFIG_PATH="$search" swift build -c release --static-swift-stdlib --disable-local-rpath \
        -Xlinker -no-pie -Xlinker --no-export-dynamic \
        -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
        --scratch-path "$scratch" "$@"
}
