//! Turns async-graphql's terse depth and complexity rejections into errors that say which limit
//! was hit and what it is, with the `LIMIT_EXCEEDED` code, like every other rejection.
//!
//! This is done on the finished response by [`ReeSchema::execute`](super::ReeSchema::execute),
//! not by an async-graphql extension: any registered extension makes async-graphql run its
//! extension chain around every field it resolves (a boxed future and a `ResolveInfo` with
//! registry look-ups per field), which cost about a tenth of a request's CPU. The rejections are
//! rare and recognizable by their fixed messages, so one pass over the errors suffices.

use async_graphql::{ErrorExtensionValues, ServerError};

/// async-graphql's message when the complexity limit is exceeded.
const TOO_COMPLEX: &str = "Query is too complex.";
/// async-graphql's message when the depth limit is exceeded.
const TOO_DEEP: &str = "Query is nested too deep.";

/// The configured limits, for the messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExplainLimits {
    pub(crate) max_depth: usize,
    pub(crate) max_complexity: usize,
}

impl ExplainLimits {
    /// Rewrites async-graphql's depth and complexity rejections among `errors`; leaves every
    /// other error as it is.
    pub(crate) fn explain(&self, errors: &mut [ServerError]) {
        for error in errors {
            // Both rejections are raised before execution, so they never carry a path.
            if error.path.is_empty() && matches!(error.message.as_str(), TOO_COMPLEX | TOO_DEEP) {
                *error = self.explained(error);
            }
        }
    }

    fn explained(&self, error: &ServerError) -> ServerError {
        let message = if error.message == TOO_COMPLEX {
            format!(
                "the query's complexity is above the limit of {}: every field costs 1, and list and \
                 traversal fields cost their selection times first, limit and maxHops; ask for \
                 smaller pages or fewer nested lists",
                self.max_complexity
            )
        } else {
            format!(
                "the query nests selections deeper than the limit of {}",
                self.max_depth
            )
        };
        let mut explained = ServerError::new(message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", "LIMIT_EXCEEDED");
        explained.extensions = Some(extensions);
        explained
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_two_rejections() {
        let limits = ExplainLimits {
            max_depth: 16,
            max_complexity: 100,
        };
        let mut errors = vec![
            ServerError::new(TOO_DEEP, None),
            ServerError::new(TOO_COMPLEX, None),
            ServerError::new("Unknown field \"x\" on type \"Query\".", None),
        ];
        limits.explain(&mut errors);
        assert!(errors[0].message.contains("deeper than the limit of 16"));
        assert!(errors[1].message.contains("above the limit of 100"));
        for e in &errors[..2] {
            let code = e.extensions.as_ref().and_then(|x| x.get("code"));
            assert_eq!(code, Some(&async_graphql::Value::from("LIMIT_EXCEEDED")));
        }
        assert!(errors[2].message.starts_with("Unknown field"));
        assert!(errors[2].extensions.is_none());
    }
}
