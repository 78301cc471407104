//! Models generated inside the tests (nothing large is committed).

use std::fs;
use std::path::{Path, PathBuf};

/// Writes `content` to `root/rel`, creating parent directories.
pub fn write(root: &Path, rel: &str, content: &[u8]) -> PathBuf {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, content).unwrap();
    path
}

/// `len` deterministic, incompressible-looking bytes (an LCG), different for each `seed`.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect()
}

/// A small directory model with the shapes that trip re-implementations up (docs/FORMAT.md §1, §2, §12):
/// names whose component order differs from string order (`a/b`, `a-b`, `a.b`, `ab`), spaces,
/// non-ASCII (NFC and NFD variants of the same name, an astral-plane character), dot-files,
/// top-level git files (ignored) next to nested ones (signed), empty files and an empty folder.
/// Names contain no `:` so the model can also be signed in shard mode.
pub fn rich_model(parent: &Path, name: &str) -> PathBuf {
    let root = parent.join(name);
    fs::create_dir_all(&root).unwrap();
    write(
        &root,
        "config.json",
        b"{\"hidden_size\": 384, \"layers\": 6}\n",
    );
    write(&root, "weights.bin", &pattern(5000, 1));
    write(&root, "README.md", b"# A test model\n");
    write(&root, "empty.txt", b"");
    write(&root, "sub/deeper/a.txt", b"deep\n");
    write(&root, "sub/tokenizer.txt", b"tok\n");
    write(&root, "sub/empty", b"");
    write(&root, "a/b", b"component order a/b\n");
    write(&root, "a-b", b"component order a-b\n");
    write(&root, "a.b", b"a.b\n");
    write(&root, "a.d/x", b"a.d/x\n");
    write(&root, "ab", b"ab\n");
    write(&root, "B", b"upper-case B\n");
    write(&root, "sp ace", b"space in name\n");
    write(
        &root,
        "dir with space/file name.txt",
        b"spaces everywhere\n",
    );
    write(&root, "\u{e9}.txt", b"e-acute NFC\n");
    write(&root, "cafe\u{301}.txt", b"cafe NFD\n");
    write(&root, "caf\u{e9}.txt", b"cafe NFC\n");
    write(
        &root,
        "\u{65e5}\u{672c}/\u{6a21}\u{578b}.bin",
        &pattern(300, 2),
    );
    write(&root, "emoji-\u{1f642}.txt", b"astral\n");
    write(&root, ".hidden", b"dot file\n");
    // Top-level git files: ignored by default.
    write(&root, ".git/HEAD", b"ref: refs/heads/main\n");
    write(&root, ".git/objects/ab/cdef", &pattern(64, 3));
    write(&root, ".gitattributes", b"*.bin filter=lfs\n");
    write(&root, ".gitignore", b"*.tmp\n");
    write(&root, ".github/workflows/ci.yml", b"on: push\n");
    // Nested git files and other .git* names: signed.
    write(&root, "sub/.git/HEAD", b"nested repo\n");
    write(&root, "sub/.gitignore", b"nested ignore\n");
    write(&root, ".gitmodules", b"[submodule]\n");
    write(&root, "sub/.gitkeep", b"");
    fs::create_dir_all(root.join("emptydir/inner")).unwrap();
    root
}

/// The model of docs/FORMAT.md §10: a few files, one empty, an empty folder, top-level git files.
pub fn small_model(parent: &Path, name: &str) -> PathBuf {
    let root = parent.join(name);
    fs::create_dir_all(&root).unwrap();
    write(&root, "config.json", b"{\"model\": \"tiny\"}\n");
    write(&root, "weights.bin", &pattern(5120, 7));
    write(&root, "README.md", b"# tiny\n");
    write(&root, "empty.txt", b"");
    write(&root, "sub/tokenizer.txt", b"tokens\n");
    write(&root, "sub/deeper/a.txt", b"a\n");
    write(&root, ".git/HEAD", b"ref: refs/heads/main\n");
    write(&root, ".gitattributes", b"* text=auto\n");
    fs::create_dir_all(root.join("emptydir")).unwrap();
    root
}

/// Recursively copies a directory (files and folders only).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
