//! The signature size policy of [`oms_format::limits`] applied before the work: a model whose
//! signature a verifier would refuse is refused before hashing (too many resources) or before
//! signing (statement too large), with the reason.

use oms_format::limits::{MAX_PAYLOAD_BYTES, MAX_RESOURCES};
use oms_format::Method;
use oms_hashing::ModelFile;

use crate::Error;

/// How many resources hashing `files` with `method` records, saturating, without allocating.
/// Empty files record no shard.
pub(crate) fn planned_resources(files: &[ModelFile], method: Method) -> u64 {
    match method {
        Method::Files => u64::try_from(files.len()).unwrap_or(u64::MAX),
        Method::Shards { shard_size } => files
            .iter()
            .map(|f| f.len.div_ceil(shard_size.max(1)))
            .fold(0u64, u64::saturating_add),
    }
}

/// Refuses a listing that would record more than [`MAX_RESOURCES`] resources.
pub(crate) fn check_planned_resources(files: &[ModelFile], method: Method) -> Result<(), Error> {
    let planned = planned_resources(files, method);
    if planned > MAX_RESOURCES as u64 {
        return Err(Error::TooManyResources {
            planned,
            files: files.len(),
            method,
            limit: MAX_RESOURCES,
        });
    }
    Ok(())
}

/// Refuses a statement larger than verifiers read.
pub(crate) fn check_statement_size(statement: &[u8]) -> Result<(), Error> {
    if statement.len() > MAX_PAYLOAD_BYTES {
        return Err(Error::StatementTooLarge {
            size: statement.len(),
            limit: MAX_PAYLOAD_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(len: u64) -> ModelFile {
        ModelFile {
            name: "w".into(),
            path: PathBuf::from("w"),
            len,
            id: oms_hashing::FileId { dev: 0, ino: 0 },
            links: 1,
            via_link: false,
        }
    }

    #[test]
    fn shards_are_counted_per_file_and_saturate() {
        let files = [file(0), file(10), file(11)];
        assert_eq!(planned_resources(&files, Method::Files), 3);
        assert_eq!(
            planned_resources(&files, Method::Shards { shard_size: 10 }),
            3
        );
        let huge = [file(u64::MAX), file(u64::MAX)];
        assert_eq!(
            planned_resources(&huge, Method::Shards { shard_size: 1 }),
            u64::MAX
        );
    }

    #[test]
    fn shard_size_one_on_a_large_file_is_refused_before_hashing() {
        let err = check_planned_resources(&[file(1 << 40)], Method::Shards { shard_size: 1 })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the model would be recorded as 1099511627776 resources (1 files, shards of 1 \
             bytes), more than the 1000000 a signature may hold: use larger shards, or sign \
             the model in parts"
        );
    }

    #[test]
    fn a_statement_over_the_payload_limit_is_refused_and_one_at_it_is_not() {
        check_statement_size(&vec![b' '; MAX_PAYLOAD_BYTES]).unwrap();
        let err = check_statement_size(&vec![b' '; MAX_PAYLOAD_BYTES + 1]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the signed statement would be {} bytes, more than the {MAX_PAYLOAD_BYTES} \
                 bytes verifiers read: sign the model in parts",
                MAX_PAYLOAD_BYTES + 1
            )
        );
    }

    #[test]
    fn the_limit_itself_is_allowed() {
        check_planned_resources(
            &[file(MAX_RESOURCES as u64)],
            Method::Shards { shard_size: 1 },
        )
        .unwrap();
    }
}
