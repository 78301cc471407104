//! The CR's model options, narrowed (never relaxed) by pod annotations.

use std::collections::BTreeMap;

use crate::crd::{ModelSpec, ScanMode};
use crate::{
    ALLOW_SYMLINKS_ANNOTATION, IGNORE_GIT_PATHS_ANNOTATION, IGNORE_PATHS_ANNOTATION,
    IGNORE_UNSIGNED_ANNOTATION,
};

/// The model options the verifier runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOptions {
    pub ignore_paths: Vec<String>,
    /// `None`: the CLI default (git files ignored).
    pub ignore_git_paths: Option<bool>,
    pub ignore_unsigned_files: Option<bool>,
    pub allow_symlinks: bool,
    /// Set from the CR's `scan` and `scanAllowUnknown` (no annotation changes them).
    pub scan: ScanMode,
    pub scan_allow_unknown: bool,
    /// The policy's `Warn` mode: report a failed verification, exit 0.
    pub report_only: bool,
}

/// Applies the pod's annotations to the CR's options. An annotation may only make verification
/// stricter: fewer ignored paths, git files checked, unsigned files reported, symlinks refused.
/// Anything else is an error message naming the annotation, its value and the CR's value.
pub fn effective_options(
    model: &ModelSpec,
    annotations: &BTreeMap<String, String>,
) -> Result<ModelOptions, String> {
    let mut options = ModelOptions {
        ignore_paths: model.ignore_paths.clone(),
        ignore_git_paths: model.ignore_git_paths,
        ignore_unsigned_files: model.ignore_unsigned_files,
        allow_symlinks: model.allow_symlinks.unwrap_or(false),
        scan: ScanMode::Off,
        scan_allow_unknown: false,
        report_only: false,
    };
    if let Some(value) = annotations.get(IGNORE_PATHS_ANNOTATION) {
        let wanted: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(extra) = wanted.iter().find(|p| !model.ignore_paths.contains(p)) {
            return Err(format!(
                "annotation {IGNORE_PATHS_ANNOTATION} may only narrow the ModelValidation's \
                 ignorePaths {:?}, but adds {extra:?}",
                model.ignore_paths
            ));
        }
        options.ignore_paths = wanted;
    }
    // CLI default: git paths ignored, so "unset" relaxes like true.
    let cr_git = model.ignore_git_paths.unwrap_or(true);
    if let Some(v) = bool_annotation(annotations, IGNORE_GIT_PATHS_ANNOTATION)? {
        if v && !cr_git {
            return Err(relax_error(IGNORE_GIT_PATHS_ANNOTATION, "ignoreGitPaths"));
        }
        options.ignore_git_paths = Some(v);
    }
    let cr_unsigned = model.ignore_unsigned_files.unwrap_or(false);
    if let Some(v) = bool_annotation(annotations, IGNORE_UNSIGNED_ANNOTATION)? {
        if v && !cr_unsigned {
            return Err(relax_error(
                IGNORE_UNSIGNED_ANNOTATION,
                "ignoreUnsignedFiles",
            ));
        }
        options.ignore_unsigned_files = Some(v);
    }
    if let Some(v) = bool_annotation(annotations, ALLOW_SYMLINKS_ANNOTATION)? {
        if v && !options.allow_symlinks {
            return Err(relax_error(ALLOW_SYMLINKS_ANNOTATION, "allowSymlinks"));
        }
        options.allow_symlinks = v;
    }
    Ok(options)
}

fn relax_error(annotation: &str, field: &str) -> String {
    format!(
        "annotation {annotation}=true would relax the ModelValidation's {field} (false); pod \
         annotations may only narrow the policy"
    )
}

fn bool_annotation(
    annotations: &BTreeMap<String, String>,
    key: &str,
) -> Result<Option<bool>, String> {
    match annotations.get(key).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if v == "true" => Ok(Some(true)),
        Some(v) if v == "false" => Ok(Some(false)),
        Some(v) => Err(format!(
            "annotation {key} must be \"true\" or \"false\", found {v:?}"
        )),
    }
}
