//! The one error type of the web layer. JSON for the API: `{code, message}`
//! with a stable English `code` and a Chinese `message`; 4xx say what was
//! wrong, 5xx are opaque to the client and logged in full (with the request
//! id of the surrounding span). Pages render the same errors as HTML.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::accounts::AccountError;
use crate::application::ServiceError;
use crate::document::{FieldError, RenderError};
use crate::issuance::IssueError;
use crate::seal::registry::RegistryError;
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed request (bad JSON, bad query).
    BadRequest { code: &'static str, message: String },
    /// 422: a field failed validation.
    Invalid { field: String, message: String },
    /// 422: several fields failed validation (all reported at once).
    InvalidFields(Vec<FieldError>),
    /// 401: not logged in, or bad credentials.
    Unauthorized { code: &'static str, message: String },
    /// 403: logged in but not permitted.
    Forbidden { code: &'static str, message: String },
    /// 404.
    NotFound,
    /// 409: the state does not allow it.
    Conflict(String),
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 429 with a `Retry-After`.
    TooManyRequests { retry_after: i64, message: String },
    /// 503: a dependency is down; retry later.
    Unavailable { code: &'static str, message: String },
    /// 503 with a `Retry-After`: this kind of work is at capacity (the
    /// request was turned away before it cost anything).
    Busy { retry_after: i64, message: String },
    /// 500: logged, never shown.
    Internal(anyhow::Error),
}

/// The JSON body of every error.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_field`, `forbidden`.
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
    /// The offending field, for `invalid_field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field error, for `invalid_field` (each with field, label and
    /// message).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated() -> Self {
        Self::Unauthorized {
            code: "unauthenticated",
            message: "请先登录".into(),
        }
    }

    pub fn forbidden() -> Self {
        Self::Forbidden {
            code: "forbidden",
            message: "无权对该印章的申请或文书执行此操作".into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } | Self::InvalidFields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body the client sees. Logs internal errors (once, here).
    pub fn body(&self) -> ErrorBody {
        if let Self::InvalidFields(errors) = self {
            let message = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("；");
            return ErrorBody {
                code: "invalid_field".into(),
                message,
                field: errors.first().map(|e| e.field.clone()),
                errors: errors.clone(),
            };
        }
        let (code, message, field) = match self {
            Self::BadRequest { code, message } => (*code, message.clone(), None),
            Self::Invalid { field, message } => {
                ("invalid_field", message.clone(), Some(field.clone()))
            }
            Self::Unauthorized { code, message }
            | Self::Forbidden { code, message }
            | Self::Unavailable { code, message } => (*code, message.clone(), None),
            Self::NotFound => ("not_found", "未找到，或链接已失效".to_string(), None),
            Self::Conflict(m) => ("conflict", m.clone(), None),
            Self::PayloadTooLarge => ("payload_too_large", "提交的内容过大".to_string(), None),
            Self::UnsupportedMediaType => (
                "unsupported_media_type",
                "不支持的内容类型".to_string(),
                None,
            ),
            Self::TooManyRequests { message, .. } => ("too_many_requests", message.clone(), None),
            Self::Busy { message, .. } => ("busy", message.clone(), None),
            Self::Internal(_) => ("internal", "服务器内部错误，请稍后再试".to_string(), None),
            Self::InvalidFields(_) => ("invalid_field", String::new(), None),
        };
        ErrorBody {
            code: code.into(),
            message,
            field,
            errors: Vec::new(),
        }
    }

    fn log(&self) {
        match self {
            Self::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            Self::Unavailable { code, .. } => tracing::warn!(code, "unavailable"),
            _ => {}
        }
    }

    fn headers(&self, resp: &mut Response) {
        if let Self::TooManyRequests { retry_after, .. } | Self::Busy { retry_after, .. } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after.max(&1).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        self.headers(&mut resp);
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<IssueError> for ApiError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::UnknownKind(_) => Self::Invalid {
                field: "kind".into(),
                message: "没有这种文书类型".into(),
            },
            IssueError::Fields(errors) | IssueError::Render(RenderError::Fields(errors)) => {
                Self::InvalidFields(errors)
            }
            IssueError::LevelNotAllowed { .. }
            | IssueError::Render(RenderError::LevelNotAllowed { .. }) => Self::Invalid {
                field: "seal_id".into(),
                message: "该单位不能出具这种文书".into(),
            },
            IssueError::Render(RenderError::Font(f)) | IssueError::Font(f) => Self::Invalid {
                field: "fields".into(),
                message: format!("文书无法排版：{f}"),
            },
            IssueError::Registry(RegistryError::UnknownSeal(_)) => Self::NotFound,
            IssueError::Registry(RegistryError::NoKey(_) | RegistryError::AlreadyRevoked(_)) => {
                Self::Conflict("该印章当前不可用（已吊销或无有效密钥）".into())
            }
            IssueError::Sign(crate::pades::PadesError::Timestamp(t)) => {
                tracing::warn!(error = %t, "timestamp authority unavailable");
                Self::Unavailable {
                    code: "tsa_unavailable",
                    message: "时间戳服务暂不可用，文书未出具，请稍后再试".into(),
                }
            }
            IssueError::Busy(seal) => {
                tracing::warn!(seal, "document number kept being taken by another process");
                Self::Unavailable {
                    code: "seal_busy",
                    message: "该印章正在其他窗口出具文书，请稍后再试".into(),
                }
            }
            other => Self::internal(other),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Forbidden => Self::forbidden(),
            ServiceError::UnknownKind => Self::Invalid {
                field: "kind".into(),
                message: "没有这种文书类型".into(),
            },
            ServiceError::SealNotEligible => Self::Invalid {
                field: "seal_id".into(),
                message: "该单位不能出具这种文书，请重新选择".into(),
            },
            ServiceError::Invalid(errors) => Self::InvalidFields(errors),
            ServiceError::Conflict(m) => Self::Conflict(m.into()),
            ServiceError::Issue(i) => i.into(),
            e @ (ServiceError::Store(_) | ServiceError::Rng) => Self::internal(e),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::BadCredentials => Self::Unauthorized {
                code: "bad_credentials",
                message: "用户名或密码错误".into(),
            },
            AccountError::Locked(secs) => Self::TooManyRequests {
                retry_after: secs,
                message: format!("登录失败次数过多，请 {} 分钟后再试", (secs + 59) / 60),
            },
            AccountError::Busy => Self::Busy {
                retry_after: 1,
                message: "登录请求过多，请稍后再试".into(),
            },
            AccountError::Invalid(m) => Self::Invalid {
                field: "name".into(),
                message: m,
            },
            other => Self::internal(other),
        }
    }
}
