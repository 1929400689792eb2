//! Turns async-graphql's terse depth and complexity rejections into errors that say which limit
//! was hit and what it is, with the `LIMIT_EXCEEDED` code, like every other rejection.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ErrorExtensionValues, ServerError, ValidationResult};

/// The extension factory; holds the configured limits.
pub(crate) struct ExplainLimits {
    pub(crate) max_depth: usize,
    pub(crate) max_complexity: usize,
}

impl ExtensionFactory for ExplainLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Explain {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
        })
    }
}

struct Explain {
    max_depth: usize,
    max_complexity: usize,
}

#[async_trait::async_trait]
impl Extension for Explain {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(|e| self.explain(e)).collect())
    }
}

impl Explain {
    fn explain(&self, error: ServerError) -> ServerError {
        let message = match error.message.as_str() {
            "Query is too complex." => format!(
                "the query's complexity is above the limit of {}: every field costs 1, and list and \
                 traversal fields cost their selection times first, limit and maxHops; ask for \
                 smaller pages or fewer nested lists",
                self.max_complexity
            ),
            "Query is nested too deep." => {
                format!(
                    "the query nests selections deeper than the limit of {}",
                    self.max_depth
                )
            }
            _ => return error,
        };
        let mut explained = ServerError::new(message, None);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", "LIMIT_EXCEEDED");
        explained.extensions = Some(extensions);
        explained
    }
}
