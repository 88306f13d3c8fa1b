//! The step graph: who depends on whom, cycles, and the parallel levels.

/// Dependencies between steps, by index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// For each step, the steps it depends on (sorted, unique).
    pub deps: Vec<Vec<usize>>,
}

impl Graph {
    /// A graph of `n` steps without edges.
    pub fn new(n: usize) -> Self {
        Self {
            deps: vec![Vec::new(); n],
        }
    }

    /// `step` depends on `on`.
    pub fn add(&mut self, step: usize, on: usize) {
        if !self.deps[step].contains(&on) {
            self.deps[step].push(on);
            self.deps[step].sort_unstable();
        }
    }

    /// A cycle, as the list of steps along it (first repeated at the end), if there is one.
    pub fn cycle(&self) -> Option<Vec<usize>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit(
            g: &Graph,
            n: usize,
            marks: &mut [Mark],
            stack: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            marks[n] = Mark::Open;
            stack.push(n);
            for &d in &g.deps[n] {
                match marks[d] {
                    Mark::Open => {
                        let start = stack.iter().position(|&s| s == d).unwrap_or(0);
                        let mut cycle = stack[start..].to_vec();
                        cycle.push(d);
                        return Some(cycle);
                    }
                    Mark::New => {
                        if let Some(c) = visit(g, d, marks, stack) {
                            return Some(c);
                        }
                    }
                    Mark::Done => {}
                }
            }
            stack.pop();
            marks[n] = Mark::Done;
            None
        }
        let mut marks = vec![Mark::New; self.deps.len()];
        for n in 0..self.deps.len() {
            if marks[n] == Mark::New
                && let Some(c) = visit(self, n, &mut marks, &mut Vec::new())
            {
                return Some(c);
            }
        }
        None
    }

    /// Every cycle, each as [`Graph::cycle`] gives it: after one is found, its closing edge is
    /// set aside and the search goes on, so that two independent cycles are both reported and
    /// none twice.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let mut g = self.clone();
        let mut out = Vec::new();
        while let Some(c) = g.cycle() {
            if let [.., from, to] = c[..] {
                g.deps[from].retain(|&d| d != to);
            }
            out.push(c);
        }
        out
    }

    /// Steps by level: a step's level is one more than the highest level among its
    /// dependencies, so every step of a level can run at once. Only for acyclic graphs.
    pub fn levels(&self) -> Vec<Vec<usize>> {
        let mut level = vec![None::<usize>; self.deps.len()];
        fn depth(g: &Graph, n: usize, level: &mut [Option<usize>]) -> usize {
            if let Some(l) = level[n] {
                return l;
            }
            let l = g.deps[n]
                .iter()
                .map(|&d| depth(g, d, level) + 1)
                .max()
                .unwrap_or(0);
            level[n] = Some(l);
            l
        }
        let mut out: Vec<Vec<usize>> = Vec::new();
        for n in 0..self.deps.len() {
            let l = depth(self, n, &mut level);
            if out.len() <= l {
                out.resize(l + 1, Vec::new());
            }
            out[l].push(n);
        }
        out
    }

    /// Every step that depends on `step`, directly or not.
    pub fn dependants(&self, step: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut changed = true;
        while changed {
            changed = false;
            for (n, deps) in self.deps.iter().enumerate() {
                if !out.contains(&n) && deps.iter().any(|d| *d == step || out.contains(d)) {
                    out.push(n);
                    changed = true;
                }
            }
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_cycles() {
        let mut g = Graph::new(4);
        g.add(1, 0);
        g.add(2, 0);
        g.add(3, 1);
        g.add(3, 2);
        assert_eq!(g.cycle(), None);
        assert_eq!(g.levels(), vec![vec![0], vec![1, 2], vec![3]]);
        assert_eq!(g.dependants(1), vec![3]);
        assert_eq!(g.dependants(0), vec![1, 2, 3]);
        g.add(0, 3);
        let c = g.cycle().unwrap();
        assert_eq!(c.first(), c.last());
        assert_eq!(c.len(), 4);
        // Two cycles share the edge 0 -> 3: both are reported.
        assert_eq!(g.cycles(), vec![c, vec![0, 3, 2, 0]]);
        // A second, independent cycle is found too.
        let mut g = Graph::new(5);
        g.add(0, 1);
        g.add(1, 0);
        g.add(2, 3);
        g.add(3, 4);
        g.add(4, 2);
        assert_eq!(g.cycles(), vec![vec![0, 1, 0], vec![2, 3, 4, 2]]);
    }
}
