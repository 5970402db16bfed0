//! The command line besides serving: `todokit user add --email E --password-stdin` and
//! `todokit token --email E [--ttl 1h]`. `dispatch` returns `None` when the server should run.

use std::io::BufRead;

use app::auth::{password, session::normalize_email};
use app::state::Config;
use app::store::Db;

pub const USAGE: &str = "usage:
  todokit                                      serve the app
  todokit user add --email E --password-stdin  create an account (password read from stdin)
  todokit token --email E [--ttl 1h]           print a bearer token for API and MCP clients";

/// Runs a CLI command and returns its exit code, or `None` for "serve".
pub async fn dispatch(args: &[String]) -> Option<i32> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        [] | ["serve"] => return None,
        ["user", "add", rest @ ..] => user_add(rest).await,
        ["token", rest @ ..] => token(rest).await,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command\n{USAGE}")),
    };
    Some(match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("todokit: {e}");
            2
        }
    })
}

fn flag<'a>(rest: &[&'a str], name: &str) -> Option<&'a str> {
    rest.iter()
        .position(|w| *w == name)
        .and_then(|i| rest.get(i + 1).copied())
}

async fn open_db() -> Result<(Config, Db), String> {
    let config = Config::from_env()?;
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    Ok((config, db))
}

async fn user_add(rest: &[&str]) -> Result<(), String> {
    let email = flag(rest, "--email").ok_or("--email is required")?;
    if !rest.contains(&"--password-stdin") {
        return Err("pass the password on stdin with --password-stdin".into());
    }
    let email = normalize_email(email).map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    password::check_strength(&pw)?;
    let (_, db) = open_db().await?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| e.to_string())?;
    let user = db
        .create_user(&email, None, &hash)
        .await
        .map_err(|e| e.to_string())?;
    println!("created user {} <{email}>", user.id);
    Ok(())
}

/// `90`, `90s`, `30m`, `1h`, `7d` → seconds.
pub fn parse_ttl(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult)
}

async fn token(rest: &[&str]) -> Result<(), String> {
    let email = flag(rest, "--email").ok_or("--email is required")?;
    let ttl = match flag(rest, "--ttl") {
        Some(t) => {
            parse_ttl(t).ok_or_else(|| format!("bad --ttl '{t}' (e.g. 90s, 30m, 1h, 7d)"))?
        }
        None => 3600,
    };
    let (config, db) = open_db().await?;
    let email = email.trim().to_lowercase();
    let (user, _) = db
        .user_by_email(&email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account with email {email}"))?;
    let keys = app::auth::token::TokenKeys::new(
        &config.jwt_secret,
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
    );
    println!("{}", keys.issue(&user.id, user.email.as_deref(), ttl));
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ttl_units_parse() {
        assert_eq!(super::parse_ttl("1h"), Some(3600));
        assert_eq!(super::parse_ttl("90"), Some(90));
        assert_eq!(super::parse_ttl("7d"), Some(604_800));
        assert_eq!(super::parse_ttl("0h"), None);
        assert_eq!(super::parse_ttl("1y"), None);
    }
}
