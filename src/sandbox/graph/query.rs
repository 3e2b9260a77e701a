//! OData query options as Graph's mail endpoints take them (reference §4.3,
//! §4.4): `$select`, `$top`, `$skip`, `$count`, `$orderby`, `$filter` and
//! `includeHiddenFolders`.
//!
//! `$filter` covers what mail clients use: comparisons (`eq ne gt ge lt le`)
//! of a property with a literal (strings with `''` escaping, booleans, null,
//! integers, unquoted DateTimeOffsets), `and`, `or`, `not`, parentheses, and
//! `startswith`/`endswith`/`contains`. String comparisons ignore case, as
//! Exchange's do. Not supported (400): lambda operators (`any`), `$search`,
//! `$expand`.
//!
//! Properties are checked against the entity's schema at parse time, so a
//! typo gives Graph's 400 before any data is touched.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::errors::GraphError;

/// Which resource a query runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Message,
    MailFolder,
}

impl Entity {
    fn type_name(self) -> &'static str {
        match self {
            Entity::Message => "Message",
            Entity::MailFolder => "MailFolder",
        }
    }

    fn schema(self) -> &'static [(&'static str, Kind)] {
        match self {
            Entity::Message => MESSAGE_FIELDS,
            Entity::MailFolder => FOLDER_FIELDS,
        }
    }

    /// The canonical spelling of a property (case-insensitive lookup).
    pub fn property(self, name: &str) -> Option<(&'static str, Kind)> {
        self.schema()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .copied()
    }
}

/// A property's type, for `$filter` and `$orderby`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    Date,
    /// Selectable but neither filterable nor sortable.
    Complex,
}

/// The message resource (v1.0) plus the sub-properties clients filter on.
const MESSAGE_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("createdDateTime", Kind::Date),
    ("lastModifiedDateTime", Kind::Date),
    ("changeKey", Kind::Str),
    ("categories", Kind::Complex),
    ("receivedDateTime", Kind::Date),
    ("sentDateTime", Kind::Date),
    ("hasAttachments", Kind::Bool),
    ("internetMessageId", Kind::Str),
    ("subject", Kind::Str),
    ("bodyPreview", Kind::Str),
    ("importance", Kind::Str),
    ("parentFolderId", Kind::Str),
    ("conversationId", Kind::Str),
    ("isDeliveryReceiptRequested", Kind::Bool),
    ("isReadReceiptRequested", Kind::Bool),
    ("isRead", Kind::Bool),
    ("isDraft", Kind::Bool),
    ("webLink", Kind::Str),
    ("inferenceClassification", Kind::Str),
    ("body", Kind::Complex),
    ("uniqueBody", Kind::Complex),
    ("sender", Kind::Complex),
    ("from", Kind::Complex),
    ("toRecipients", Kind::Complex),
    ("ccRecipients", Kind::Complex),
    ("bccRecipients", Kind::Complex),
    ("replyTo", Kind::Complex),
    ("flag", Kind::Complex),
    ("from/emailAddress/address", Kind::Str),
    ("from/emailAddress/name", Kind::Str),
    ("sender/emailAddress/address", Kind::Str),
    ("sender/emailAddress/name", Kind::Str),
    ("flag/flagStatus", Kind::Str),
];

/// The mailFolder resource (v1.0, reference §4.2).
const FOLDER_FIELDS: &[(&str, Kind)] = &[
    ("id", Kind::Str),
    ("displayName", Kind::Str),
    ("parentFolderId", Kind::Str),
    ("childFolderCount", Kind::Int),
    ("unreadItemCount", Kind::Int),
    ("totalItemCount", Kind::Int),
    ("isHidden", Kind::Bool),
];

/// A value of a record's property, for filtering and sorting.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    /// Unix milliseconds.
    Date(i64),
    Null,
}

/// Anything a query can run over.
pub trait Record {
    /// The value of a filterable property (canonical name).
    fn value(&self, property: &str) -> Val<'_>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Bool(bool),
    Int(i64),
    Date(i64),
    Null,
}

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        property: &'static str,
        op: Op,
        literal: Literal,
    },
    Call {
        func: Func,
        property: &'static str,
        argument: String,
    },
}

impl Expr {
    pub fn matches(&self, record: &dyn Record) -> bool {
        match self {
            Expr::And(a, b) => a.matches(record) && b.matches(record),
            Expr::Or(a, b) => a.matches(record) || b.matches(record),
            Expr::Not(a) => !a.matches(record),
            Expr::Compare {
                property,
                op,
                literal,
            } => compare(&record.value(property), *op, literal),
            Expr::Call {
                func,
                property,
                argument,
            } => match record.value(property) {
                Val::Str(s) => {
                    let s = s.to_lowercase();
                    let a = argument.to_lowercase();
                    match func {
                        Func::StartsWith => s.starts_with(&a),
                        Func::EndsWith => s.ends_with(&a),
                        Func::Contains => s.contains(&a),
                    }
                }
                _ => false,
            },
        }
    }

    /// The properties in the order they appear, each once.
    pub fn properties(&self) -> Vec<&'static str> {
        fn walk(e: &Expr, out: &mut Vec<&'static str>) {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Not(a) => walk(a, out),
                Expr::Compare { property, .. } | Expr::Call { property, .. } => {
                    if !out.contains(property) {
                        out.push(property);
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }
}

fn compare(value: &Val<'_>, op: Op, literal: &Literal) -> bool {
    let ordering = match (value, literal) {
        (Val::Null, Literal::Null) => Some(Ordering::Equal),
        (Val::Null, _) | (_, Literal::Null) => None,
        (Val::Str(a), Literal::Str(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Val::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Val::Int(a), Literal::Int(b)) => Some(a.cmp(b)),
        (Val::Date(a), Literal::Date(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match (ordering, op) {
        (None, Op::Ne) => true,
        (None, _) => false,
        (Some(o), Op::Eq) => o == Ordering::Equal,
        (Some(o), Op::Ne) => o != Ordering::Equal,
        (Some(o), Op::Gt) => o == Ordering::Greater,
        (Some(o), Op::Ge) => o != Ordering::Less,
        (Some(o), Op::Lt) => o == Ordering::Less,
        (Some(o), Op::Le) => o != Ordering::Greater,
    }
}

/// Orders two records by `$orderby` keys (`true` = descending).
pub fn order(a: &dyn Record, b: &dyn Record, keys: &[(&'static str, bool)]) -> Ordering {
    for (property, descending) in keys {
        let o = compare_folded(
            &fold(a.value(property)),
            &fold(b.value(property)),
            *descending,
        );
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Appends a record's `$orderby` values to `into`, each folded as [`order`]
/// compares it: to sort many records, compute these once per record, then
/// [`order_keys`].
pub fn sort_keys(record: &dyn Record, keys: &[(&'static str, bool)], into: &mut Vec<Val<'static>>) {
    into.extend(
        keys.iter()
            .map(|(property, _)| fold(record.value(property))),
    );
}

/// [`order`] over values from [`sort_keys`].
pub fn order_keys(a: &[Val<'_>], b: &[Val<'_>], keys: &[(&'static str, bool)]) -> Ordering {
    a.iter()
        .zip(b)
        .zip(keys)
        .map(|((a, b), (_, descending))| compare_folded(a, b, *descending))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// A value as sorting sees it: strings lower-cased (Exchange sorts without
/// regard to case), owned.
fn fold(value: Val<'_>) -> Val<'static> {
    match value {
        Val::Str(s) => Val::Str(Cow::Owned(s.to_lowercase())),
        Val::Bool(b) => Val::Bool(b),
        Val::Int(n) => Val::Int(n),
        Val::Date(d) => Val::Date(d),
        Val::Null => Val::Null,
    }
}

fn compare_folded(a: &Val<'_>, b: &Val<'_>, descending: bool) -> Ordering {
    let o = match (a, b) {
        (Val::Str(a), Val::Str(b)) => a.cmp(b),
        (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
        (Val::Int(a), Val::Int(b)) | (Val::Date(a), Val::Date(b)) => a.cmp(b),
        (Val::Null, Val::Null) => Ordering::Equal,
        (Val::Null, _) => Ordering::Less,
        (_, Val::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    };
    if descending { o.reverse() } else { o }
}

/// The query options of one request.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Canonical property names, `None` = every property.
    pub select: Option<Vec<&'static str>>,
    pub top: Option<usize>,
    pub skip: usize,
    pub count: bool,
    pub filter: Option<Expr>,
    pub orderby: Vec<(&'static str, bool)>,
    pub include_hidden: bool,
    /// The raw pairs, to rebuild `@odata.nextLink`.
    pub pairs: Vec<(String, String)>,
}

/// Largest `$top` Graph takes on mail collections (reference §4.4).
pub const MAX_TOP: usize = 1000;

impl QueryOptions {
    /// Parses a raw query string for `entity`.
    pub fn parse(raw: Option<&str>, entity: Entity) -> Result<QueryOptions, GraphError> {
        let mut options = QueryOptions::default();
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in &pairs {
            let lower = key.to_ascii_lowercase();
            if lower.starts_with('$') {
                if seen.contains(&lower) {
                    return Err(GraphError::bad_request(format!(
                        "Query option '{key}' was specified more than once, but it must be specified at most once."
                    )));
                }
                seen.push(lower.clone());
            }
            match lower.as_str() {
                "$select" => options.select = Some(parse_select(value, entity)?),
                "$top" => {
                    let top: usize = value.trim().parse().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{value}' for query option '$top'."
                        ))
                    })?;
                    if !(1..=MAX_TOP).contains(&top) {
                        return Err(GraphError::invalid_query(format!(
                            "The value '{top}' of the query option '$top' is not valid: it must be between 1 and {MAX_TOP}."
                        )));
                    }
                    options.top = Some(top);
                }
                "$skip" => {
                    options.skip = value.trim().parse().map_err(|_| {
                        GraphError::bad_request(format!(
                            "Invalid value '{value}' for query option '$skip'."
                        ))
                    })?;
                }
                "$count" => {
                    options.count = match value.trim() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(GraphError::bad_request(format!(
                                "Invalid value '{value}' for query option '$count'."
                            )));
                        }
                    }
                }
                "$filter" => options.filter = Some(parse_filter(value, entity)?),
                "$orderby" => options.orderby = parse_orderby(value, entity)?,
                "includehiddenfolders" => {
                    options.include_hidden = value.trim().eq_ignore_ascii_case("true");
                }
                "$expand" | "$search" | "$format" | "$skiptoken" | "$deltatoken" => {
                    return Err(GraphError::bad_request(format!(
                        "The sandbox does not support the query option '{key}'."
                    )));
                }
                other if other.starts_with('$') => {
                    return Err(GraphError::bad_request(format!(
                        "The query parameter '{key}' is not supported."
                    )));
                }
                _ => {}
            }
        }
        options.pairs = pairs;
        Ok(options)
    }

    /// Graph's `InefficientFilter` rule (reference §4.4): with both options,
    /// every `$orderby` property must also be in `$filter`, in the same
    /// order, ahead of any other property.
    pub fn check_efficient(&self) -> Result<(), GraphError> {
        let (Some(filter), false) = (&self.filter, self.orderby.is_empty()) else {
            return Ok(());
        };
        let in_filter = filter.properties();
        let wanted: Vec<&str> = self.orderby.iter().map(|(p, _)| *p).collect();
        if in_filter.len() < wanted.len() || in_filter[..wanted.len()] != wanted[..] {
            return Err(GraphError::inefficient_filter());
        }
        Ok(())
    }
}

pub fn parse_select(value: &str, entity: Entity) -> Result<Vec<&'static str>, GraphError> {
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match entity.property(name) {
            Some((canonical, _)) if !canonical.contains('/') => {
                if !out.contains(&canonical) {
                    out.push(canonical);
                }
            }
            _ => return Err(GraphError::unknown_property(name, entity.type_name())),
        }
    }
    Ok(out)
}

fn parse_orderby(value: &str, entity: Entity) -> Result<Vec<(&'static str, bool)>, GraphError> {
    let mut out = Vec::new();
    for clause in value.split(',').map(str::trim) {
        let mut words = clause.split_whitespace();
        let Some(name) = words.next() else {
            return Err(GraphError::bad_request(format!(
                "Syntax error: empty clause in $orderby '{value}'."
            )));
        };
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(GraphError::bad_request(format!(
                    "Syntax error: '{other}' is not a sort direction in $orderby '{value}'."
                )));
            }
        };
        if words.next().is_some() {
            return Err(GraphError::bad_request(format!(
                "Syntax error in $orderby '{value}'."
            )));
        }
        let (canonical, kind) = entity
            .property(name)
            .ok_or_else(|| GraphError::unknown_property(name, entity.type_name()))?;
        if kind == Kind::Complex {
            return Err(GraphError::bad_request(format!(
                "The property '{canonical}' cannot be used in the $orderby query option."
            )));
        }
        out.push((canonical, descending));
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Str(String),
    Word(String),
}

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 32;

/// More clauses than this are refused: `a and b and ...` nests too, one
/// level per clause, in evaluation and in drop.
const MAX_CLAUSES: usize = 200;

fn syntax_error(filter: &str, position: usize) -> GraphError {
    GraphError::bad_request(format!(
        "Invalid filter clause: Syntax error at position {position} in '{filter}'."
    ))
}

fn lex(filter: &str) -> Result<Vec<(usize, Token)>, GraphError> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = filter.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push((pos, Token::Open));
                i += 1;
            }
            ')' => {
                tokens.push((pos, Token::Close));
                i += 1;
            }
            ',' => {
                tokens.push((pos, Token::Comma));
                i += 1;
            }
            '\'' => {
                // A string literal; '' is an escaped quote (reference §4.3).
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax_error(filter, filter.len())),
                        Some((_, '\'')) if matches!(chars.get(i + 1), Some((_, '\''))) => {
                            text.push('\'');
                            i += 2;
                        }
                        Some((_, '\'')) => {
                            i += 1;
                            break;
                        }
                        Some((_, c)) => {
                            text.push(*c);
                            i += 1;
                        }
                    }
                }
                tokens.push((pos, Token::Str(text)));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !matches!(chars[i].1, '(' | ')' | ',' | '\'')
                    && !chars[i].1.is_whitespace()
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().map(|(_, c)| c).collect();
                tokens.push((pos, Token::Word(word)));
            }
        }
    }
    Ok(tokens)
}

/// Parses a `$filter` expression for `entity`.
pub fn parse_filter(filter: &str, entity: Entity) -> Result<Expr, GraphError> {
    let tokens = lex(filter)?;
    let mut parser = Parser {
        filter,
        tokens,
        at: 0,
        entity,
        clauses: 0,
    };
    let expr = parser.or_expr(0)?;
    if parser.at < parser.tokens.len() {
        return Err(syntax_error(filter, parser.position()));
    }
    Ok(expr)
}

struct Parser<'a> {
    filter: &'a str,
    tokens: Vec<(usize, Token)>,
    at: usize,
    entity: Entity,
    clauses: usize,
}

impl Parser<'_> {
    fn position(&self) -> usize {
        self.tokens
            .get(self.at)
            .map(|(p, _)| *p)
            .unwrap_or(self.filter.len())
    }

    fn error(&self) -> GraphError {
        syntax_error(self.filter, self.position())
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.tokens.get(self.at), Some((_, Token::Word(w))) if w.eq_ignore_ascii_case(keyword))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        token
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, GraphError> {
        let mut left = self.and_expr(depth)?;
        while self.peek_keyword("or") {
            self.at += 1;
            let right = self.and_expr(depth)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, GraphError> {
        let mut left = self.unary(depth)?;
        while self.peek_keyword("and") {
            self.at += 1;
            let right = self.unary(depth)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, GraphError> {
        self.clauses += 1;
        if depth > MAX_DEPTH || self.clauses > MAX_CLAUSES {
            return Err(GraphError::bad_request(
                "The $filter expression is too complex: nested too deeply or too many clauses.",
            ));
        }
        if self.peek_keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        match self.tokens.get(self.at).map(|(_, t)| t.clone()) {
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or_expr(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => {
                        self.at -= 1;
                        Err(self.error())
                    }
                }
            }
            Some(Token::Word(word)) => {
                self.at += 1;
                if matches!(self.tokens.get(self.at), Some((_, Token::Open))) {
                    return self.call(&word);
                }
                self.comparison(&word)
            }
            _ => Err(self.error()),
        }
    }

    fn property(&self, name: &str) -> Result<(&'static str, Kind), GraphError> {
        if name.contains('/') && name.to_ascii_lowercase().contains("/any") {
            return Err(GraphError::bad_request(
                "The sandbox does not support lambda operators in $filter.",
            ));
        }
        self.entity
            .property(name)
            .ok_or_else(|| GraphError::unknown_property(name, self.entity.type_name()))
    }

    fn call(&mut self, name: &str) -> Result<Expr, GraphError> {
        let func = match name.to_ascii_lowercase().as_str() {
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            "contains" => Func::Contains,
            _ => {
                return Err(GraphError::bad_request(format!(
                    "An unknown function with name '{name}' was found."
                )));
            }
        };
        self.at += 1; // the '('
        let Some(Token::Word(property)) = self.next() else {
            self.at -= 1;
            return Err(self.error());
        };
        let (property, kind) = self.property(&property)?;
        if self.next() != Some(Token::Comma) {
            self.at -= 1;
            return Err(self.error());
        }
        let Some(Token::Str(argument)) = self.next() else {
            return Err(GraphError::invalid_filter());
        };
        if self.next() != Some(Token::Close) {
            self.at -= 1;
            return Err(self.error());
        }
        if kind != Kind::Str {
            return Err(GraphError::invalid_filter());
        }
        Ok(Expr::Call {
            func,
            property,
            argument,
        })
    }

    fn comparison(&mut self, name: &str) -> Result<Expr, GraphError> {
        let (property, kind) = self.property(name)?;
        let op = match self.tokens.get(self.at) {
            Some((_, Token::Word(w))) => match w.to_ascii_lowercase().as_str() {
                "eq" => Some(Op::Eq),
                "ne" => Some(Op::Ne),
                "gt" => Some(Op::Gt),
                "ge" => Some(Op::Ge),
                "lt" => Some(Op::Lt),
                "le" => Some(Op::Le),
                "and" | "or" => None,
                _ => return Err(self.error()),
            },
            _ => None,
        };
        let Some(op) = op else {
            // A bare boolean property: `$filter=isRead`.
            if kind == Kind::Bool {
                return Ok(Expr::Compare {
                    property,
                    op: Op::Eq,
                    literal: Literal::Bool(true),
                });
            }
            return Err(self.error());
        };
        self.at += 1;
        let literal = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) => literal_word(&w).ok_or_else(|| {
                if self.entity.property(&w).is_some() {
                    GraphError::bad_request("The sandbox only compares a property with a literal.")
                } else {
                    self.at -= 1;
                    self.error()
                }
            })?,
            _ => {
                self.at -= 1;
                return Err(self.error());
            }
        };
        let fits = matches!(
            (kind, &literal),
            (_, Literal::Null)
                | (Kind::Str, Literal::Str(_))
                | (Kind::Bool, Literal::Bool(_))
                | (Kind::Int, Literal::Int(_))
                | (Kind::Date, Literal::Date(_))
        );
        let ordered =
            matches!(op, Op::Eq | Op::Ne) || matches!(kind, Kind::Str | Kind::Int | Kind::Date);
        if !fits || !ordered || kind == Kind::Complex {
            return Err(GraphError::invalid_filter());
        }
        Ok(Expr::Compare {
            property,
            op,
            literal,
        })
    }
}

fn literal_word(word: &str) -> Option<Literal> {
    match word {
        "true" => return Some(Literal::Bool(true)),
        "false" => return Some(Literal::Bool(false)),
        "null" => return Some(Literal::Null),
        _ => {}
    }
    if let Ok(n) = word.parse::<i64>() {
        return Some(Literal::Int(n));
    }
    chrono::DateTime::parse_from_rfc3339(word)
        .ok()
        .map(|d| Literal::Date(d.timestamp_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Msg {
        read: bool,
        received: i64,
        subject: &'static str,
    }

    impl Record for Msg {
        fn value(&self, property: &str) -> Val<'_> {
            match property {
                "isRead" => Val::Bool(self.read),
                "receivedDateTime" => Val::Date(self.received),
                "subject" => Val::Str(Cow::Borrowed(self.subject)),
                _ => Val::Null,
            }
        }
    }

    fn parse(q: &str) -> Result<QueryOptions, GraphError> {
        QueryOptions::parse(Some(q), Entity::Message)
    }

    #[test]
    fn filter_combines_booleans_and_dates() {
        let expr = parse_filter(
            "receivedDateTime ge 2025-01-06T00:00:00Z and isRead eq false",
            Entity::Message,
        )
        .expect("parses");
        let jan6 = 1_736_121_600_000;
        let m = |read, received| Msg {
            read,
            received,
            subject: "x",
        };
        assert!(expr.matches(&m(false, jan6)));
        assert!(!expr.matches(&m(true, jan6)));
        assert!(!expr.matches(&m(false, jan6 - 1)));
        let or = parse_filter(
            "isRead or (not isRead and receivedDateTime lt 2025-01-06T00:00:00Z)",
            Entity::Message,
        )
        .expect("parses");
        assert!(or.matches(&m(true, jan6)));
        assert!(or.matches(&m(false, jan6 - 1)));
        assert!(!or.matches(&m(false, jan6)));
    }

    #[test]
    fn string_literals_unescape_doubled_quotes_and_compare_without_case() {
        let expr = parse_filter("subject eq 'LET''S GO'", Entity::Message).expect("parses");
        let m = Msg {
            read: false,
            received: 0,
            subject: "let's go",
        };
        assert!(expr.matches(&m));
        let starts = parse_filter("startswith(subject,'let')", Entity::Message).expect("parses");
        assert!(starts.matches(&m));
    }

    #[test]
    fn bad_filters_get_graph_errors() {
        let code = |q: &str| parse_filter(q, Entity::Message).unwrap_err().code;
        assert_eq!(code("isRead eq"), "BadRequest");
        assert_eq!(code("subject eq 'open"), "BadRequest");
        assert_eq!(code("(isRead eq true"), "BadRequest");
        assert_eq!(code("nonsense eq 1"), "RequestBroker--ParseUri");
        assert_eq!(code("isRead eq 'yes'"), "ErrorInvalidUrlQueryFilter");
        assert_eq!(code("isRead gt true"), "ErrorInvalidUrlQueryFilter");
        assert_eq!(
            code("receivedDateTime ge '2025-01-01T00:00:00Z'"),
            "ErrorInvalidUrlQueryFilter"
        );
        assert_eq!(code("frobnicate(subject,'x')"), "BadRequest");
        let deep = format!("{}isRead{}", "(".repeat(200), ")".repeat(200));
        assert_eq!(code(&deep), "BadRequest");
        let long = vec!["isRead"; 10_000].join(" and ");
        assert_eq!(code(&long), "BadRequest");
    }

    #[test]
    fn orderby_properties_must_lead_the_filter() {
        let ok = parse("$filter=receivedDateTime ge 2025-01-01T00:00:00Z and isRead eq false&$orderby=receivedDateTime desc")
            .expect("parses");
        assert!(ok.check_efficient().is_ok());
        let wrong_order = parse("$filter=isRead eq false and receivedDateTime ge 2025-01-01T00:00:00Z&$orderby=receivedDateTime desc")
            .expect("parses");
        assert_eq!(
            wrong_order.check_efficient().unwrap_err().code,
            "InefficientFilter"
        );
        let missing = parse("$filter=isRead eq false&$orderby=receivedDateTime").expect("parses");
        assert_eq!(
            missing.check_efficient().unwrap_err().code,
            "InefficientFilter"
        );
        let orderby_only = parse("$orderby=receivedDateTime desc").expect("parses");
        assert!(orderby_only.check_efficient().is_ok());
    }

    #[test]
    fn options_are_validated() {
        assert_eq!(parse("$top=0").unwrap_err().code, "ErrorInvalidUrlQuery");
        assert_eq!(parse("$top=1001").unwrap_err().code, "ErrorInvalidUrlQuery");
        assert_eq!(parse("$top=ten").unwrap_err().code, "BadRequest");
        assert_eq!(parse("$top=5&$top=6").unwrap_err().code, "BadRequest");
        assert_eq!(
            parse("$select=subject,nope").unwrap_err().code,
            "RequestBroker--ParseUri"
        );
        assert_eq!(
            parse("$orderby=receivedDateTime sideways")
                .unwrap_err()
                .code,
            "BadRequest"
        );
        assert_eq!(parse("$bogus=1").unwrap_err().code, "BadRequest");
        let ok = parse("%24top=1000&%24select=Subject,isRead&unrelated=x").expect("parses");
        assert_eq!(ok.top, Some(1000));
        assert_eq!(ok.select, Some(vec!["subject", "isRead"]));
    }
}
