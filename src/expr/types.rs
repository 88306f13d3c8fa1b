//! Types for the analyzer's static checks, and best-effort inference of an expression's type.
//!
//! Inference walks the lexer's tokens with a small precedence parser that computes types only
//! (no tree, no values). Whatever it does not understand (filters, methods, minijinja extras)
//! is [`Type::Any`], which every type accepts, so inference never rejects a valid expression.

use std::fmt;

use super::error::TypeMismatch;
use super::functions::function;
use super::lexer::{Token, TokenKind, lex};
use super::template::{Expr, Reference};

/// The type of a value, as far as the static checks know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// Unknown: accepted everywhere and accepting everything.
    Any,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// Any number, integer or not.
    Number,
    /// A whole number.
    Integer,
    /// Text.
    String,
    /// Text naming a file (interchangeable with [`Type::String`]).
    Path,
    /// A list whose items have the given type.
    List(Box<Type>),
    /// A JSON object.
    Object,
}

impl Type {
    /// Whether a value of type `other` may be used where `self` is expected. [`Type::Any`] on
    /// either side is accepted (the check is best effort), a number accepts an integer, and a
    /// string and a path accept each other.
    pub fn accepts(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::Number, Type::Integer) => true,
            (Type::String, Type::Path) | (Type::Path, Type::String) => true,
            (Type::List(a), Type::List(b)) => a.accepts(b),
            (a, b) => a == b,
        }
    }

    /// The type's name for messages: `number`, `list of path`, ….
    pub fn name(&self) -> String {
        match self {
            Type::Any => "any".to_owned(),
            Type::Null => "null".to_owned(),
            Type::Bool => "bool".to_owned(),
            Type::Number => "number".to_owned(),
            Type::Integer => "integer".to_owned(),
            Type::String => "string".to_owned(),
            Type::Path => "path".to_owned(),
            Type::List(t) => format!("list of {}", t.plural()),
            Type::Object => "object".to_owned(),
        }
    }

    /// The name of several values of this type: `strings`, `lists of paths`, ….
    pub fn plural(&self) -> String {
        match self {
            Type::Any => "values".to_owned(),
            Type::Null => "nulls".to_owned(),
            Type::List(t) => format!("lists of {}", t.plural()),
            _ => format!("{}s", self.name()),
        }
    }

    /// A number or an integer.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Number | Type::Integer)
    }

    fn is_text(&self) -> bool {
        matches!(self, Type::String | Type::Path)
    }

    /// The narrowest type accepting both, or `Any`.
    fn unify(&self, other: &Type) -> Type {
        if self == other {
            self.clone()
        } else if self.is_numeric() && other.is_numeric() {
            Type::Number
        } else if self.is_text() && other.is_text() {
            Type::String
        } else if let (Type::List(a), Type::List(b)) = (self, other) {
            Type::List(Box::new(a.unify(b)))
        } else {
            Type::Any
        }
    }

    /// The name with an article, for messages: `a string`, `an integer`, `null`.
    pub fn with_article(&self) -> String {
        match self {
            Type::Any => "of unknown type".to_owned(),
            Type::Null => "null".to_owned(),
            Type::Integer | Type::Object => format!("an {}", self.name()),
            _ => format!("a {}", self.name()),
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The type of an expression, best effort: a single reference has the type `ref_type` gives
/// it, a function call its table result type, arithmetic on numbers a number (an integer when
/// both sides are integers, except `/`), comparisons, `and`, `or`, `not`, `in` and tests a
/// bool, `~` a string, literals their own type, and anything else [`Type::Any`].
///
/// Arithmetic with an operand known not to be a number is a [`TypeMismatch`] spanning that
/// operand (`+` also joins two strings or two lists, and `*` repeats a string).
pub fn infer(expr: &Expr, ref_type: &dyn Fn(&Reference) -> Type) -> Result<Type, TypeMismatch> {
    let lexed = lex(&expr.source);
    if !lexed.errors.is_empty() {
        return Ok(Type::Any);
    }
    let mut p = Infer {
        expr,
        tokens: &lexed.tokens,
        pos: 0,
        ref_type,
    };
    let t = p.expression()?;
    // Trailing tokens mean the parser did not understand something: stay unknown.
    Ok(if p.pos == p.tokens.len() {
        t.ty
    } else {
        Type::Any
    })
}

/// A typed sub-expression and its span within the expression source.
struct Typed {
    ty: Type,
    start: usize,
    end: usize,
}

struct Infer<'e, 't, 'f> {
    expr: &'e Expr,
    tokens: &'t [Token<'t>],
    pos: usize,
    ref_type: &'f dyn Fn(&Reference) -> Type,
}

const COMPARISONS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

impl<'t> Infer<'_, 't, '_> {
    fn peek(&self) -> Option<Token<'t>> {
        self.tokens.get(self.pos).copied()
    }

    fn peek_punct(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is_punct(p))
    }

    fn peek_ident(&self, name: &str) -> bool {
        self.peek().is_some_and(|t| t.is_ident(name))
    }

    fn end_of_previous(&self) -> usize {
        self.pos.checked_sub(1).map_or(0, |i| self.tokens[i].end())
    }

    fn typed(&self, ty: Type, start: usize) -> Typed {
        Typed {
            ty,
            start,
            end: self.end_of_previous(),
        }
    }

    fn start(&self) -> usize {
        self.peek().map_or(self.expr.source.len(), |t| t.offset)
    }

    fn expression(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let value = self.or()?;
        if self.peek_ident("if") {
            self.pos += 1;
            self.or()?;
            let ty = if self.peek_ident("else") {
                self.pos += 1;
                value.ty.unify(&self.expression()?.ty)
            } else {
                Type::Any
            };
            return Ok(self.typed(ty, start));
        }
        Ok(value)
    }

    fn or(&mut self) -> Result<Typed, TypeMismatch> {
        self.logical("or", Self::and)
    }

    fn and(&mut self) -> Result<Typed, TypeMismatch> {
        self.logical("and", Self::not)
    }

    fn logical(
        &mut self,
        word: &str,
        next: fn(&mut Self) -> Result<Typed, TypeMismatch>,
    ) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let mut value = next(self)?;
        while self.peek_ident(word) {
            self.pos += 1;
            next(self)?;
            value = self.typed(Type::Bool, start);
        }
        Ok(value)
    }

    fn not(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        if self.peek_ident("not") {
            self.pos += 1;
            self.not()?;
            return Ok(self.typed(Type::Bool, start));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let mut value = self.sum()?;
        while let Some(t) = self.peek() {
            if t.kind == TokenKind::Punct && COMPARISONS.contains(&t.text) || t.is_ident("in") {
                self.pos += 1;
            } else if t.is_ident("not")
                && self
                    .tokens
                    .get(self.pos + 1)
                    .is_some_and(|t| t.is_ident("in"))
            {
                self.pos += 2;
            } else if t.is_ident("is") {
                self.pos += 1;
                if self.peek_ident("not") {
                    self.pos += 1;
                }
                if self.peek().is_some_and(|t| t.kind == TokenKind::Ident) {
                    self.pos += 1;
                }
                if self.peek_punct("(") {
                    self.arguments()?;
                }
                value = self.typed(Type::Bool, start);
                continue;
            } else {
                break;
            }
            self.sum()?;
            value = self.typed(Type::Bool, start);
        }
        Ok(value)
    }

    fn sum(&mut self) -> Result<Typed, TypeMismatch> {
        self.binary(&["+", "-"], Self::concat)
    }

    fn concat(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let mut value = self.product()?;
        while self.peek_punct("~") {
            self.pos += 1;
            self.product()?;
            value = self.typed(Type::String, start);
        }
        Ok(value)
    }

    fn product(&mut self) -> Result<Typed, TypeMismatch> {
        self.binary(&["*", "/", "//", "%"], Self::power)
    }

    fn power(&mut self) -> Result<Typed, TypeMismatch> {
        self.binary(&["**"], Self::unary)
    }

    fn binary(
        &mut self,
        ops: &[&str],
        next: fn(&mut Self) -> Result<Typed, TypeMismatch>,
    ) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let mut left = next(self)?;
        while let Some(op) = self
            .peek()
            .filter(|t| t.kind == TokenKind::Punct && ops.contains(&t.text))
            .map(|t| t.text)
        {
            self.pos += 1;
            let right = next(self)?;
            let ty = self.arithmetic(op, &left, &right)?;
            left = self.typed(ty, start);
        }
        Ok(left)
    }

    fn arithmetic(&self, op: &str, left: &Typed, right: &Typed) -> Result<Type, TypeMismatch> {
        let (l, r) = (&left.ty, &right.ty);
        match (op, l, r) {
            ("+", a, b) if a.is_text() && b.is_text() => return Ok(Type::String),
            ("+", Type::List(_), Type::List(_)) => return Ok(l.unify(r)),
            ("*", a, Type::Integer) | ("*", Type::Integer, a) if a.is_text() => {
                return Ok(Type::String);
            }
            _ => {}
        }
        for side in [left, right] {
            if !side.ty.is_numeric() && side.ty != Type::Any {
                return Err(self.mismatch(op, side));
            }
        }
        Ok(match (l, r) {
            (Type::Any, _) | (_, Type::Any) => Type::Any,
            (Type::Integer, Type::Integer) if op != "/" => Type::Integer,
            _ => Type::Number,
        })
    }

    fn mismatch(&self, op: &str, side: &Typed) -> TypeMismatch {
        let text = &self.expr.source[side.start..side.end];
        TypeMismatch {
            offset: self.expr.offset + side.start,
            len: side.end - side.start,
            message: format!(
                "`{op}` needs numbers, but `{text}` is {}",
                side.ty.with_article()
            ),
        }
    }

    fn unary(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        if let Some(op) = self
            .peek()
            .filter(|t| t.is_punct("-") || t.is_punct("+"))
            .map(|t| t.text)
        {
            self.pos += 1;
            let operand = self.unary()?;
            if !operand.ty.is_numeric() && operand.ty != Type::Any {
                return Err(self.mismatch(op, &operand));
            }
            return Ok(self.typed(operand.ty, start));
        }
        let mut value = self.primary()?;
        // Postfix: attributes, methods, indexing, calls and filters.
        loop {
            if self.peek_punct(".") {
                self.pos += 1;
                if self.peek().is_some() {
                    self.pos += 1;
                }
                value = self.typed(Type::Any, start);
            } else if self.peek_punct("[") {
                self.pos += 1;
                let index = self.expression()?;
                while !self.peek_punct("]") && self.peek().is_some() {
                    self.pos += 1; // slices
                }
                self.pos += 1;
                let ty = match (&value.ty, &index.ty) {
                    (Type::List(item), Type::Integer) => (**item).clone(),
                    _ => Type::Any,
                };
                value = self.typed(ty, start);
            } else if self.peek_punct("(") {
                self.arguments()?;
                value = self.typed(Type::Any, start);
            } else if self.peek_punct("|") {
                self.pos += 1;
                if self.peek().is_some() {
                    self.pos += 1;
                }
                if self.peek_punct("(") {
                    self.arguments()?;
                }
                value = self.typed(Type::Any, start);
            } else {
                return Ok(value);
            }
        }
    }

    /// `( expr, … )`, with `name=` keyword markers skipped; returns the argument types.
    fn arguments(&mut self) -> Result<Vec<Type>, TypeMismatch> {
        self.pos += 1; // `(`
        let mut types = Vec::new();
        while let Some(t) = self.peek() {
            if t.is_punct(")") {
                break;
            }
            if t.kind == TokenKind::Ident
                && self
                    .tokens
                    .get(self.pos + 1)
                    .is_some_and(|n| n.is_punct("="))
            {
                self.pos += 2;
            }
            let before = self.pos;
            types.push(self.expression()?.ty);
            if self.peek_punct(",") {
                self.pos += 1;
            } else if self.pos == before {
                break; // not understood; stop rather than loop
            }
        }
        if self.peek_punct(")") {
            self.pos += 1;
        }
        Ok(types)
    }

    fn primary(&mut self) -> Result<Typed, TypeMismatch> {
        let start = self.start();
        let Some(t) = self.peek() else {
            return Ok(self.typed(Type::Any, start));
        };
        self.pos += 1;
        let ty = match t.kind {
            TokenKind::Int => Type::Integer,
            TokenKind::Float => Type::Number,
            TokenKind::Str => Type::String,
            TokenKind::Ident => return self.name(t, start),
            TokenKind::Punct => match t.text {
                "(" => {
                    let inner = self.expression()?;
                    if self.peek_punct(")") {
                        self.pos += 1;
                    }
                    inner.ty
                }
                "[" => {
                    let mut item: Option<Type> = None;
                    while !self.peek_punct("]") && self.peek().is_some() {
                        let before = self.pos;
                        let t = self.expression()?.ty;
                        item = Some(item.map_or(t.clone(), |i| i.unify(&t)));
                        if self.peek_punct(",") {
                            self.pos += 1;
                        } else if self.pos == before {
                            break;
                        }
                    }
                    if self.peek_punct("]") {
                        self.pos += 1;
                    }
                    Type::List(Box::new(item.unwrap_or(Type::Any)))
                }
                "{" => {
                    let mut depth = 1;
                    while let Some(t) = self.peek() {
                        self.pos += 1;
                        match t.text {
                            "{" if t.kind == TokenKind::Punct => depth += 1,
                            "}" if t.kind == TokenKind::Punct => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    Type::Object
                }
                _ => {
                    self.pos -= 1;
                    Type::Any
                }
            },
        };
        Ok(self.typed(ty, start))
    }

    fn name(&mut self, t: Token<'_>, start: usize) -> Result<Typed, TypeMismatch> {
        match t.text {
            "true" | "false" | "True" | "False" => return Ok(self.typed(Type::Bool, start)),
            "none" | "None" | "null" => return Ok(self.typed(Type::Null, start)),
            _ => {}
        }
        let absolute = self.expr.offset + t.offset;
        if let Some(r) = self.expr.refs.iter().find(|r| r.offset == absolute) {
            let end = r.offset + r.len - self.expr.offset;
            while self.peek().is_some_and(|t| t.end() <= end) {
                self.pos += 1;
            }
            return Ok(self.typed((self.ref_type)(r), start));
        }
        if self.peek_punct("(") {
            let args = self.arguments()?;
            let ty = match (t.text, args.as_slice()) {
                ("default", [value, fallback]) if *value != Type::Null => value.unify(fallback),
                ("default", [_, fallback]) => fallback.clone(),
                (name, _) => function(name).map_or(Type::Any, |f| (f.result)()),
            };
            return Ok(self.typed(ty, start));
        }
        Ok(self.typed(Type::Any, start))
    }
}

#[cfg(test)]
mod tests {
    use super::super::template::{Root, Segment, Template};
    use super::*;

    /// Types by reference: `vars.name` is a string, `vars.n` an integer, `steps.e.gpstime` a
    /// number, `steps.e.files` a list of paths, anything else unknown.
    fn ref_type(r: &Reference) -> Type {
        let field = |i: usize| match r.path.get(i) {
            Some(Segment::Field(f)) => f.as_str(),
            _ => "",
        };
        match (r.root, field(0), field(1)) {
            (Root::Vars, "name", _) => Type::String,
            (Root::Vars, "n", _) => Type::Integer,
            (Root::Vars, "flag", _) => Type::Bool,
            (Root::Steps, "e", "gpstime") => Type::Number,
            (Root::Steps, "e", "files") if r.path.len() == 2 => Type::List(Box::new(Type::Path)),
            (Root::Steps, "e", "files") => Type::Path,
            _ => Type::Any,
        }
    }

    fn infer_str(s: &str) -> Result<Type, TypeMismatch> {
        let t = Template::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        infer(t.single_expr().expect("single expression"), &ref_type)
    }

    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    #[test]
    fn accepts() {
        assert!(Type::Number.accepts(&Type::Integer));
        assert!(!Type::Integer.accepts(&Type::Number));
        assert!(Type::Any.accepts(&Type::Object));
        assert!(Type::Bool.accepts(&Type::Any));
        assert!(Type::String.accepts(&Type::Path));
        assert!(Type::Path.accepts(&Type::String));
        assert!(!Type::String.accepts(&Type::Number));
        assert!(list(Type::String).accepts(&list(Type::Path)));
        assert!(!list(Type::Number).accepts(&list(Type::String)));
        assert!(!Type::Number.accepts(&Type::Null));
        assert_eq!(list(list(Type::Path)).name(), "list of lists of paths");
        assert_eq!(list(Type::Any).with_article(), "a list of values");
    }

    #[test]
    fn references_and_calls() {
        assert_eq!(infer_str("${{ vars.name }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ steps.e.gpstime }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ (steps.e.gpstime) }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ steps.other.x }}"), Ok(Type::Any));
        assert_eq!(infer_str("${{ gps_now() }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ glob('*.xml') }}"), Ok(list(Type::Path)));
        assert_eq!(infer_str("${{ glob('*.xml')[0] }}"), Ok(Type::Path));
        // An indexed reference is one reference: `ref_type` answers for the whole path.
        assert_eq!(infer_str("${{ steps.e.files[0] }}"), Ok(Type::Path));
        assert_eq!(infer_str("${{ format('{}', 1) }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ default(vars.n, 1.5) }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ default(null, 'x') }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ vars.name | upper }}"), Ok(Type::Any));
    }

    #[test]
    fn literals() {
        assert_eq!(infer_str("${{ 1 }}"), Ok(Type::Integer));
        assert_eq!(infer_str("${{ 1.5 }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ 'a' }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ true }}"), Ok(Type::Bool));
        assert_eq!(infer_str("${{ null }}"), Ok(Type::Null));
        assert_eq!(infer_str("${{ [1, 2.5] }}"), Ok(list(Type::Number)));
        assert_eq!(infer_str("${{ [] }}"), Ok(list(Type::Any)));
        assert_eq!(infer_str("${{ {'a': {'b': 1}} }}"), Ok(Type::Object));
    }

    #[test]
    fn arithmetic() {
        assert_eq!(infer_str("${{ steps.e.gpstime - 1 }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ steps.e.gpstime + 1 }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ vars.n + 1 }}"), Ok(Type::Integer));
        assert_eq!(infer_str("${{ vars.n / 2 }}"), Ok(Type::Number));
        assert_eq!(infer_str("${{ -vars.n * 2 ** 3 }}"), Ok(Type::Integer));
        assert_eq!(infer_str("${{ steps.x.y + 1 }}"), Ok(Type::Any));
        assert_eq!(infer_str("${{ vars.name + 'x' }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ vars.name ~ 1 }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ 'ab' * 2 }}"), Ok(Type::String));
        assert_eq!(infer_str("${{ [1] + [2.5] }}"), Ok(list(Type::Number)));
    }

    #[test]
    fn mismatches() {
        let m = infer_str("${{ vars.name - 1 }}").unwrap_err();
        assert_eq!((m.offset, m.len), (4, 9));
        assert_eq!(m.message, "`-` needs numbers, but `vars.name` is a string");
        let m = infer_str("${{ 1 + (vars.flag) }}").unwrap_err();
        assert_eq!((m.offset, m.len), (8, 11));
        assert_eq!(m.message, "`+` needs numbers, but `(vars.flag)` is a bool");
        let m = infer_str("${{ 1 + vars.n / vars.name }}").unwrap_err();
        assert_eq!(m.message, "`/` needs numbers, but `vars.name` is a string");
        let m = infer_str("${{ -'a' }}").unwrap_err();
        assert_eq!(m.message, "`-` needs numbers, but `'a'` is a string");
        let m = infer_str("${{ steps.e.files + 1 }}").unwrap_err();
        assert_eq!(
            m.message,
            "`+` needs numbers, but `steps.e.files` is a list of paths"
        );
        let m = infer_str("${{ null + 1 }}").unwrap_err();
        assert_eq!(m.message, "`+` needs numbers, but `null` is null");
    }

    #[test]
    fn booleans() {
        assert_eq!(infer_str("${{ vars.n > 1 }}"), Ok(Type::Bool));
        assert_eq!(
            infer_str("${{ vars.n == 1 and vars.flag }}"),
            Ok(Type::Bool)
        );
        assert_eq!(infer_str("${{ vars.flag or false }}"), Ok(Type::Bool));
        assert_eq!(infer_str("${{ not vars.flag }}"), Ok(Type::Bool));
        assert_eq!(infer_str("${{ 'a' in vars.name }}"), Ok(Type::Bool));
        assert_eq!(infer_str("${{ 'a' not in vars.name }}"), Ok(Type::Bool));
        assert_eq!(infer_str("${{ vars.name is defined }}"), Ok(Type::Bool));
        assert_eq!(
            infer_str("${{ vars.n is not divisibleby(3) }}"),
            Ok(Type::Bool)
        );
        assert_eq!(infer_str("${{ 1 if vars.flag else 2 }}"), Ok(Type::Integer));
        assert_eq!(infer_str("${{ 1 if vars.flag else 'a' }}"), Ok(Type::Any));
    }
}
