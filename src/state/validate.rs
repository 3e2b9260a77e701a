//! TEMPORARY stand-in for input validation (replaced by the store branch).

#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid {field} '{value}': {problem}; {fix}")]
pub struct ValidationError {
    pub field: &'static str,
    pub value: String,
    pub problem: String,
    pub fix: String,
}

fn err(field: &'static str, value: &str, problem: &str, fix: &str) -> ValidationError {
    ValidationError {
        field,
        value: value.into(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

pub fn name(field: &'static str, value: &str) -> Result<String, ValidationError> {
    if value.trim().is_empty() {
        Err(err(field, value, "empty", "give a name"))
    } else {
        Ok(value.to_string())
    }
}
pub fn email(field: &'static str, value: &str) -> Result<String, ValidationError> {
    if value.contains('@') {
        Ok(value.to_string())
    } else {
        Err(err(field, value, "not an email address", "use name@domain"))
    }
}
pub fn tenant(field: &'static str, value: &str) -> Result<String, ValidationError> {
    Ok(value.to_string()).and_then(|v| {
        if v.is_empty() {
            Err(err(field, value, "empty", "x"))
        } else {
            Ok(v)
        }
    })
}
pub fn guid(field: &'static str, value: &str) -> Result<String, ValidationError> {
    uuid::Uuid::parse_str(value)
        .map(|u| u.to_string())
        .map_err(|_| {
            err(
                field,
                value,
                "not a GUID",
                "copy it from the app registration's Overview",
            )
        })
}
pub fn folder_path(field: &'static str, value: &str) -> Result<String, ValidationError> {
    if value.split('/').any(|s| s.trim().is_empty()) {
        Err(err(
            field,
            value,
            "empty segment",
            "write paths like Inbox/Support",
        ))
    } else {
        Ok(value.to_string())
    }
}
pub fn endpoint_url(field: &'static str, value: &str) -> Result<String, ValidationError> {
    Ok(value.trim_end_matches('/').to_string()).and_then(|v| {
        if v.is_empty() {
            Err(err(field, value, "empty", "x"))
        } else {
            Ok(v)
        }
    })
}
pub fn process(field: &'static str, value: &str) -> Result<String, ValidationError> {
    name(field, value)
}
pub fn env_var(field: &'static str, value: &str) -> Result<String, ValidationError> {
    name(field, value)
}
