//! Dependency cycles: strongly connected components (Tarjan), and for each one
//! concrete cycle drawn as a chain a user can follow and break.

use std::collections::{BTreeSet, VecDeque};

use crate::error::{CompileError, CycleStep, GraphError};
use crate::graph::Graph;

/// One error per knot of mutually waiting vertices among `stuck` (the
/// vertices layering could not place; every cycle is among them).
pub fn find(graph: &Graph, stuck: &[usize]) -> Vec<CompileError> {
    let mut errors = Vec::new();
    for component in strongly_connected(graph, stuck) {
        let is_cycle = component.len() > 1 || graph.deps[component[0]].contains_key(&component[0]);
        if !is_cycle {
            continue;
        }
        let chain = shortest_cycle(graph, &component);
        let on_chain: BTreeSet<usize> = chain.iter().copied().collect();
        let others = component
            .iter()
            .filter(|v| !on_chain.contains(v))
            .map(|&v| graph.ids[v].clone())
            .collect();
        let steps = chain
            .iter()
            .enumerate()
            .map(|(i, &vertex)| {
                let next = chain[(i + 1) % chain.len()];
                let cause = graph.deps[vertex].get(&next).copied().unwrap_or_default();
                CycleStep {
                    node: graph.origins[vertex].clone(),
                    by_after: cause.by_after,
                    by_before: cause.by_before,
                }
            })
            .collect();
        errors.push(GraphError::Cycle { chain: steps, others }.into());
    }
    errors
}

/// Tarjan's algorithm over the subgraph of `vertices`, iterative so that a
/// long chain of nodes cannot overflow the stack. Each component is sorted.
fn strongly_connected(graph: &Graph, vertices: &[usize]) -> Vec<Vec<usize>> {
    const UNVISITED: usize = usize::MAX;
    let count = graph.ids.len();
    let mut member = vec![false; count];
    for &v in vertices {
        member[v] = true;
    }
    let mut index = vec![UNVISITED; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;

    for &root in vertices {
        if index[root] != UNVISITED {
            continue;
        }
        // Each frame is a vertex and the successors it has yet to visit.
        let successors = |v: usize| -> Vec<usize> {
            graph.deps[v].keys().copied().filter(|&w| member[w]).collect()
        };
        let mut frames: Vec<(usize, std::vec::IntoIter<usize>)> = Vec::new();
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        frames.push((root, successors(root).into_iter()));
        while let Some((v, pending)) = frames.last_mut() {
            let (v, next) = (*v, pending.next());
            if let Some(w) = next {
                if index[w] == UNVISITED {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, successors(w).into_iter()));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some((parent, _)) = frames.last() {
                low[*parent] = low[*parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components.sort();
    components
}

/// The shortest cycle through the component's first (smallest id) vertex,
/// found breadth-first: short chains are the easiest to read and break.
/// Returns the vertices in waiting order; the last one waits for the first.
fn shortest_cycle(graph: &Graph, component: &[usize]) -> Vec<usize> {
    let start = component[0];
    if graph.deps[start].contains_key(&start) {
        return vec![start];
    }
    let members: BTreeSet<usize> = component.iter().copied().collect();
    let mut parent = vec![usize::MAX; graph.ids.len()];
    let mut queue = VecDeque::from([start]);
    parent[start] = start;
    while let Some(v) = queue.pop_front() {
        for &w in graph.deps[v].keys() {
            if w == start {
                let mut chain = vec![v];
                let mut at = v;
                while at != start {
                    at = parent[at];
                    chain.push(at);
                }
                chain.reverse();
                return chain;
            }
            if members.contains(&w) && parent[w] == usize::MAX {
                parent[w] = v;
                queue.push_back(w);
            }
        }
    }
    // Unreachable for a strongly connected component; the whole component
    // is still a truthful, if less precise, answer.
    component.to_vec()
}

#[cfg(test)]
mod tests {

    use super::*;

    fn graph(deps: &[&[usize]]) -> Graph {
        Graph::from_deps(deps)
    }

    #[test]
    fn components() {
        // 0 <-> 1, 2 -> 3 -> 4 -> 2, 5 -> 0, 6 alone.
        let g = graph(&[&[1], &[0], &[3], &[4], &[2], &[0], &[]]);
        let all: Vec<usize> = (0..7).collect();
        assert_eq!(strongly_connected(&g, &all), vec![vec![0, 1], vec![2, 3, 4], vec![5], vec![6]]);
    }

    #[test]
    fn draws_the_shortest_cycle_through_the_first_vertex() {
        // 0 -> 1 -> 2 -> 3 -> 0 and a shortcut 1 -> 0.
        let g = graph(&[&[1], &[2, 0], &[3], &[0]]);
        assert_eq!(shortest_cycle(&g, &[0, 1, 2, 3]), vec![0, 1]);
        let errors = find(&g, &[0, 1, 2, 3]);
        let [CompileError::Graph(GraphError::Cycle { chain, others })] = errors.as_slice() else {
            panic!("expected one cycle, got {errors:?}");
        };
        assert_eq!(chain.len(), 2);
        assert_eq!(others, &["n2", "n3"]);
    }

    #[test]
    fn self_loop_is_a_cycle_and_a_lone_vertex_is_not() {
        let g = graph(&[&[0], &[]]);
        let errors = find(&g, &[0, 1]);
        assert_eq!(errors.len(), 1);
        assert_eq!(shortest_cycle(&g, &[0]), vec![0]);
    }

    #[test]
    fn deep_chains_do_not_overflow_the_stack() {
        let n = 200_000;
        let deps: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let refs: Vec<&[usize]> = deps.iter().map(Vec::as_slice).collect();
        let g = graph(&refs);
        let all: Vec<usize> = (0..n).collect();
        assert_eq!(strongly_connected(&g, &all).len(), 1);
    }
}
