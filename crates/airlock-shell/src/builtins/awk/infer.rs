//! Which function parameters are arrays: an unset variable passed to such a parameter must
//! become an array the caller sees, so this is known before the program runs.

use super::ast::*;

/// Marks the parameters each function uses as an array, following calls until nothing changes.
pub(super) fn infer_array_params(funcs: &mut [Func]) {
    loop {
        let known: Vec<Vec<bool>> = funcs.iter().map(|f| f.array_params.clone()).collect();
        let mut changed = false;
        for f in funcs.iter_mut() {
            let mut marks = f.array_params.clone();
            for s in &f.body {
                walk_stmt(s, &known, &mut marks);
            }
            if marks != f.array_params {
                f.array_params = marks;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

fn mark(v: &Var, marks: &mut [bool]) {
    if let Var::Local(i) = v
        && let Some(m) = marks.get_mut(*i)
    {
        *m = true;
    }
}

fn walk_stmt(s: &Stmt, known: &[Vec<bool>], marks: &mut [bool]) {
    let block = |b: &Block, marks: &mut [bool]| b.iter().for_each(|s| walk_stmt(s, known, marks));
    match &s.kind {
        StmtKind::Expr(e) => walk_expr(e, known, marks),
        StmtKind::Print(args, r) | StmtKind::Printf(args, r) => {
            args.iter().for_each(|e| walk_expr(e, known, marks));
            if let Some((_, e)) = r {
                walk_expr(e, known, marks);
            }
        }
        StmtKind::If(c, a, b) => {
            walk_expr(c, known, marks);
            block(a, marks);
            block(b, marks);
        }
        StmtKind::While(c, b) | StmtKind::Do(b, c) => {
            walk_expr(c, known, marks);
            block(b, marks);
        }
        StmtKind::For(a, b, c, body) => {
            for e in [a, b, c].into_iter().flatten() {
                walk_expr(e, known, marks);
            }
            block(body, marks);
        }
        StmtKind::ForIn(_, arr, body) => {
            mark(arr, marks);
            block(body, marks);
        }
        StmtKind::Block(b) => block(b, marks),
        StmtKind::Exit(e) | StmtKind::Return(e) => {
            if let Some(e) = e {
                walk_expr(e, known, marks);
            }
        }
        StmtKind::Delete(v, subs) => {
            mark(v, marks);
            subs.iter()
                .flatten()
                .for_each(|e| walk_expr(e, known, marks));
        }
        StmtKind::Next | StmtKind::NextFile | StmtKind::Break | StmtKind::Continue => {}
    }
}

fn walk_lvalue(lv: &LValue, known: &[Vec<bool>], marks: &mut [bool]) {
    match lv {
        LValue::Var(_) => {}
        LValue::Index(v, subs) => {
            mark(v, marks);
            subs.iter().for_each(|e| walk_expr(e, known, marks));
        }
        LValue::Field(e) => walk_expr(e, known, marks),
    }
}

fn walk_expr(e: &Expr, known: &[Vec<bool>], marks: &mut [bool]) {
    let w = |e: &Expr, marks: &mut [bool]| walk_expr(e, known, marks);
    match e {
        Expr::Num(_) | Expr::Str(_) | Expr::Regex(_) | Expr::Var(_) => {}
        Expr::Field(e) | Expr::Not(e) | Expr::Neg(e) | Expr::Pos(e) => w(e, marks),
        Expr::Index(v, subs) => {
            mark(v, marks);
            subs.iter().for_each(|e| w(e, marks));
        }
        Expr::Assign(lv, e) | Expr::AugAssign(_, lv, e) => {
            walk_lvalue(lv, known, marks);
            w(e, marks);
        }
        Expr::Cond(a, b, c) => {
            w(a, marks);
            w(b, marks);
            w(c, marks);
        }
        Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::Binary(_, a, b)
        | Expr::Cmp(_, a, b)
        | Expr::Concat(a, b)
        | Expr::Match(_, a, b) => {
            w(a, marks);
            w(b, marks);
        }
        Expr::In(subs, v) => {
            mark(v, marks);
            subs.iter().for_each(|e| w(e, marks));
        }
        Expr::PreIncr(_, lv) | Expr::PostIncr(_, lv) => walk_lvalue(lv, known, marks),
        Expr::Call(f, args) => {
            for (i, a) in args.iter().enumerate() {
                if let Expr::Var(v) = a
                    && known
                        .get(*f)
                        .and_then(|k| k.get(i))
                        .copied()
                        .unwrap_or(false)
                {
                    mark(v, marks);
                }
                w(a, marks);
            }
        }
        Expr::Builtin(b, args) => {
            let array_args: &[usize] = match b {
                Builtin::Split => &[1],
                Builtin::Match => &[2],
                Builtin::Asort | Builtin::Asorti => &[0, 1],
                _ => &[],
            };
            for (i, a) in args.iter().enumerate() {
                if array_args.contains(&i)
                    && let Expr::Var(v) = a
                {
                    mark(v, marks);
                }
                w(a, marks);
            }
        }
        Expr::Getline(src, lv) => {
            match src {
                GetlineSrc::Main => {}
                GetlineSrc::File(e) | GetlineSrc::Cmd(e) => w(e, marks),
            }
            if let Some(lv) = lv {
                walk_lvalue(lv, known, marks);
            }
        }
        Expr::Group(list) => list.iter().for_each(|e| w(e, marks)),
    }
}
