//! Graph mail half of the sandbox. Placeholder.
