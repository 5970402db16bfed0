//! The task tools as an MCP server (rmcp): stdio for `todokit mcp --user`, streamable HTTP at
//! `/mcp`, and an in-process duplex bridge the chat agent can call instead of `TaskTools::call`.

use std::sync::{Arc, OnceLock};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, MetaObject, PaginatedRequestParams, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleClient, RunningService};
use rmcp::transport::streamable_http_server::{
    session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{json, Value};

use super::{TaskTools, ToolError, ToolOutput};
use crate::store::Db;
use crate::tasks::model::Task;

/// The user an authenticated `/mcp` request speaks for; the HTTP layer puts it in the request's
/// extensions after verifying the bearer token.
#[derive(Clone, Debug, PartialEq)]
pub struct McpUser(pub String);

/// Keys of `_meta` on tool results: the badge label and the full tasks, so the in-process bridge
/// gives the agent exactly what `TaskTools::call` gives.
const META_LABEL: &str = "todokit/label";
const META_TASKS: &str = "todokit/tasks";
const META_ERROR: &str = "todokit/error";

enum Binding {
    /// stdio and the in-process bridge: one user for the whole connection.
    Fixed(TaskTools),
    /// HTTP: the session's user is the first verified request's user, and stays so.
    PerSession { db: Db, user: OnceLock<String> },
}

/// The MCP server: `add_task`, `list_tasks`, `complete_task`, `delete_task`, `update_task`,
/// delegating to [`TaskTools`]. The user id is never a tool argument.
#[derive(Clone)]
pub struct TaskServer {
    binding: Arc<Binding>,
}

impl TaskServer {
    /// A server bound to the user of `tools`.
    pub fn new(tools: TaskTools) -> Self {
        TaskServer {
            binding: Arc::new(Binding::Fixed(tools)),
        }
    }

    /// A server for one HTTP session: it binds to the user of the first request it sees.
    fn for_http(db: Db) -> Self {
        TaskServer {
            binding: Arc::new(Binding::PerSession {
                db,
                user: OnceLock::new(),
            }),
        }
    }

    fn tools(&self, ctx: &RequestContext<RoleServer>) -> Result<TaskTools, ErrorData> {
        match &*self.binding {
            Binding::Fixed(t) => Ok(t.clone()),
            Binding::PerSession { db, user } => {
                let caller = ctx
                    .extensions
                    .get::<http::request::Parts>()
                    .and_then(|p| p.extensions.get::<McpUser>())
                    .map(|u| u.0.clone())
                    .ok_or_else(|| ErrorData::invalid_request("not signed in", None))?;
                let bound = user.get_or_init(|| caller.clone());
                if *bound != caller {
                    return Err(ErrorData::invalid_request(
                        "this MCP session belongs to another user",
                        None,
                    ));
                }
                Ok(TaskTools::new(db.clone(), caller))
            }
        }
    }

    /// The tool list, built from the one set of schemas in [`TaskTools::specs`].
    pub fn tool_list() -> Vec<Tool> {
        TaskTools::specs()
            .into_iter()
            .map(|s| {
                let schema = match s.parameters {
                    Value::Object(o) => o,
                    _ => JsonObject::new(),
                };
                Tool::new(s.name, s.description, Arc::new(schema))
            })
            .collect()
    }
}

fn meta(pairs: Vec<(&str, Value)>) -> MetaObject {
    MetaObject(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A tool error as MCP expects it: a result with `isError`, readable by a model.
fn error_result(e: &ToolError) -> CallToolResult {
    let kind = match e {
        ToolError::InvalidArguments(m) => json!({"kind": "invalid_arguments", "message": m}),
        ToolError::UnknownTask(id) => json!({"kind": "unknown_task", "id": id}),
        ToolError::UnknownTool(n) => json!({"kind": "unknown_tool", "name": n}),
        ToolError::Store(m) => json!({"kind": "store", "message": m}),
    };
    let mut r = CallToolResult::error(vec![ContentBlock::text(e.to_string())]);
    r.meta = Some(meta(vec![(META_ERROR, kind)]));
    r
}

fn ok_result(out: ToolOutput) -> CallToolResult {
    let mut r = CallToolResult::success(vec![ContentBlock::text(out.result.to_string())]);
    r.structured_content = Some(out.result);
    r.meta = Some(meta(vec![
        (META_LABEL, json!(out.label)),
        (
            META_TASKS,
            serde_json::to_value(&out.tasks).unwrap_or(Value::Null),
        ),
    ]));
    r
}

impl ServerHandler for TaskServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("todokit", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "The signed-in user's todo list: add, list, complete, delete and update tasks. \
                 Results echo task ids and titles; refer to tasks by id.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        self.tools(&ctx)?;
        Ok(ListToolsResult::with_all_items(Self::tool_list()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tools = self.tools(&ctx)?;
        if !TaskTools::specs().iter().any(|s| s.name == request.name) {
            return Err(ErrorData::invalid_params(
                format!("unknown tool '{}'", request.name),
                None,
            ));
        }
        let args = request.arguments.map(Value::Object).unwrap_or(json!({}));
        Ok(match tools.call(&request.name, args).await {
            Ok(out) => ok_result(out),
            Err(e) => error_result(&e),
        }
        .into())
    }
}

/// The `/mcp` endpoint. The HTTP layer in front of it must verify the bearer token and insert
/// [`McpUser`]; each session is then held to that user. Host checks are off because every
/// request needs the bearer token (a DNS-rebinding page cannot present it), and a deployment
/// behind its own domain must work.
pub fn http_service(db: Db) -> StreamableHttpService<TaskServer, LocalSessionManager> {
    StreamableHttpService::new(
        move || Ok(TaskServer::for_http(db.clone())),
        Default::default(),
        StreamableHttpServerConfig::default().disable_allowed_hosts(),
    )
}

/// Serves one user's tools over stdin/stdout until the client closes them.
pub async fn serve_stdio(tools: TaskTools) -> Result<(), String> {
    let running = TaskServer::new(tools)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| e.to_string())?;
    running.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// The chat agent's way to the tools: an rmcp client talking to a [`TaskServer`] over an
/// in-process `tokio::io::duplex` pair (no subprocess, no socket). Same results as
/// `TaskTools::call`, but every call crosses the MCP protocol the outside clients use.
pub struct McpTools {
    client: RunningService<RoleClient, ()>,
}

impl McpTools {
    pub async fn connect(tools: TaskTools) -> Result<McpTools, ToolError> {
        let (server_io, client_io) = tokio::io::duplex(64 * 1024);
        let server = TaskServer::new(tools);
        tokio::spawn(async move {
            match server.serve(server_io).await {
                Ok(running) => {
                    let _ = running.waiting().await;
                }
                Err(e) => tracing::warn!("in-process MCP server failed to start: {e}"),
            }
        });
        let client = ()
            .serve(client_io)
            .await
            .map_err(|e| ToolError::Store(format!("tool server unavailable: {e}")))?;
        Ok(McpTools { client })
    }

    /// Runs one tool by name, like [`TaskTools::call`].
    pub async fn call(&self, name: &str, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args = match arguments {
            Value::Object(o) => o,
            Value::Null => JsonObject::new(),
            other => {
                return Err(ToolError::InvalidArguments(format!(
                    "arguments must be a JSON object, not {other}"
                )))
            }
        };
        let params = CallToolRequestParams::new(name.to_string()).with_arguments(args);
        let r = self.client.call_tool(params).await.map_err(|e| {
            let text = e.to_string();
            if text.contains("unknown tool") {
                ToolError::UnknownTool(name.to_string())
            } else {
                ToolError::Store(text)
            }
        })?;
        let meta = r.meta.map(|m| m.0).unwrap_or_default();
        if r.is_error == Some(true) {
            let text = r
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n");
            let e = meta.get(META_ERROR).cloned().unwrap_or(Value::Null);
            return Err(match e["kind"].as_str() {
                Some("invalid_arguments") => {
                    ToolError::InvalidArguments(e["message"].as_str().unwrap_or(&text).to_string())
                }
                Some("unknown_task") => ToolError::UnknownTask(e["id"].as_i64().unwrap_or(0)),
                Some("unknown_tool") => ToolError::UnknownTool(name.to_string()),
                _ => ToolError::Store(text),
            });
        }
        let tasks: Vec<Task> = meta
            .get(META_TASKS)
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        Ok(ToolOutput {
            result: r.structured_content.unwrap_or(Value::Null),
            label: meta
                .get(META_LABEL)
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_string(),
            tasks,
        })
    }

    /// Closes the connection (the server task ends with it).
    pub async fn close(self) {
        let _ = self.client.cancel().await;
    }
}
