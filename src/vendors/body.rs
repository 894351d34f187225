//! What every connector does with an answer it cannot use: a typed error
//! naming the field, an `InputError` row for `input_errors.csv`, and the
//! vendor's fetch status for the report and the exit code.

use crate::domain::{FetchState, FetchStatus, InputError};

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BodyError {
    #[error("not a {vendor} answer: {error}")]
    Body { vendor: &'static str, error: String },
    /// The vendor answered with an error code other than "no data".
    #[error("{vendor} error {code}: {msg}")]
    Vendor {
        vendor: &'static str,
        code: String,
        msg: String,
    },
    #[error("field {field}: {error}")]
    Field {
        field: String,
        value: String,
        error: String,
    },
}

impl BodyError {
    pub fn field(&self) -> String {
        match self {
            Self::Field { field, .. } => field.clone(),
            Self::Vendor { .. } => "error code".into(),
            Self::Body { .. } => "body".into(),
        }
    }

    pub fn value(&self) -> String {
        match self {
            Self::Field { value, .. } => value.clone(),
            Self::Vendor { code, .. } => code.clone(),
            Self::Body { .. } => String::new(),
        }
    }

    /// The row of `input_errors.csv`: the archived file, the document key.
    pub fn input_error(&self, archived: &str, key: &str) -> InputError {
        InputError {
            source: archived.to_string(),
            line: None,
            entry_id: key.to_string(),
            field: self.field(),
            value: self.value(),
            error: self.to_string(),
        }
    }
}

pub fn bad(field: &str, value: &str, error: &str) -> BodyError {
    BodyError::Field {
        field: field.into(),
        value: value.into(),
        error: error.into(),
    }
}

/// Failed when credentials were refused or nothing at all was answered;
/// partial when anything asked for is missing or unreadable.
pub fn status(
    vendor: &str,
    requests: u64,
    documents: u64,
    failures: &[String],
    errors: &[InputError],
    fatal: Option<String>,
) -> FetchStatus {
    let n = failures.len() as u64 + errors.len() as u64;
    let state = if fatal.is_some() || (documents == 0 && n > 0) {
        FetchState::Failed
    } else if n == 0 {
        FetchState::Ok
    } else {
        FetchState::Partial
    };
    let error = fatal.or_else(|| {
        (n > 0).then(|| {
            let first = failures
                .first()
                .cloned()
                .or_else(|| errors.first().map(|e| format!("{}: {}", e.source, e.error)))
                .unwrap_or_default();
            format!("{n} document(s) not fetched or unreadable; first: {first}")
        })
    });
    FetchStatus {
        vendor: vendor.into(),
        state,
        error,
        requests,
        documents,
        failures: n,
    }
}
