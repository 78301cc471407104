//! Verify-plus-scan (cargo feature `scan`): the plan's bytes are scanned for code a loader
//! would run, the very bytes that were hashed (no second read, no window between the check and
//! the scan). Only a model that verifies is scanned; passing or failing the scan is the
//! caller's decision ([`oms_scan::ScanReport::failure`]), e.g. a warn-only mode.

use oms_scan::{CaptureSet, Policy, ScanReport};
use rayon::prelude::*;

use crate::{Error, Progress, VerificationPlan, VerifiedModel};

/// A model that matches its signature, and the scan of the bytes that were verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedModel {
    pub verified: VerifiedModel,
    pub scan: ScanReport,
}

impl VerificationPlan {
    /// [`VerificationPlan::verify_on_disk`], scanning what hashing reads as it reads it.
    pub fn verify_and_scan_on_disk(
        self,
        progress: &dyn Progress,
        policy: &Policy,
    ) -> Result<ScannedModel, Error> {
        let captures = CaptureSet::new();
        let verified = self.verify_on_disk_observed(progress, Some(&captures))?;
        let scan = ScanReport::new(captures.scan_all(policy), policy.user_entries());
        Ok(ScannedModel { verified, scan })
    }

    /// [`VerificationPlan::verify_contents`], then a scan of those contents.
    pub fn verify_and_scan_contents<B: AsRef<[u8]> + Sync>(
        self,
        contents: &[(String, B)],
        policy: &Policy,
    ) -> Result<ScannedModel, Error> {
        let verified = self.verify_contents(contents)?;
        let mut files: Vec<oms_scan::FileReport> = contents
            .par_iter()
            .map(|(name, bytes)| oms_scan::scan_source(name, &bytes.as_ref(), policy))
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let scan = ScanReport::new(files, policy.user_entries());
        Ok(ScannedModel { verified, scan })
    }
}
