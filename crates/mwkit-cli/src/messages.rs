//! The wiki's messages (its warnings) in the JSON the command line writes:
//! a leaf that the output (`out`) and the failures (`fail`) both use, so
//! neither needs the other for it.

use mw_ureq::Message;
use serde_json::{Value, json};

/// Messages as JSON: `[{code, text, module}]`.
pub(crate) fn messages_json(messages: &[Message]) -> Value {
    Value::Array(
        messages
            .iter()
            .map(|m| json!({ "code": m.code, "text": m.text, "module": m.module }))
            .collect(),
    )
}
