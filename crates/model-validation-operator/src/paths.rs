//! Paths as the container runtime sees them: cleaned component lists, so `/data/./model`,
//! `//data/model` and `/data/model/` are one path (the runtime cleans mount destinations with
//! Go's `path.Clean` before mounting), and `/data` holds `/data/model` but not `/database`.

/// A cleaned absolute path (or a cleaned relative one, for subPaths): its components.
pub type Components = Vec<String>;

/// Cleans `path` lexically: empty and `.` components go, `..` removes the previous component
/// (never above the root). Leading slashes do not matter: the result is a component list.
pub fn clean(path: &str) -> Components {
    let mut parts: Components = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p.to_owned()),
        }
    }
    parts
}

/// The absolute path of a component list.
pub fn display(components: &[String]) -> String {
    format!("/{}", components.join("/"))
}

/// Whether `path` is `dir` or lies below it.
pub fn holds(dir: &[String], path: &[String]) -> bool {
    path.starts_with(dir)
}

/// Whether one of the two holds the other.
pub fn overlap(a: &[String], b: &[String]) -> bool {
    holds(a, b) || holds(b, a)
}

/// `path` relative to `dir` (`dir` must hold it).
pub fn below<'a>(dir: &[String], path: &'a [String]) -> &'a [String] {
    path.get(dir.len()..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_path_are_equal() {
        let want = clean("/data/model");
        for p in [
            "/data/./model",
            "//data/model",
            "/data/model/",
            "/data//model//",
            "/data/x/../model",
            "/../data/model",
        ] {
            assert_eq!(clean(p), want, "{p}");
        }
        assert!(clean("/").is_empty());
        assert!(holds(&clean("/data"), &clean("/data/model")));
        assert!(!holds(&clean("/data"), &clean("/database")));
        assert_eq!(display(&clean("//a/./b/")), "/a/b");
    }
}
