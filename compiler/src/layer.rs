//! Layering: Kahn's algorithm, level by level, so that every node of a layer
//! depends only on nodes of earlier layers and a layer can run in parallel.

use crate::graph::Graph;

/// Layers of vertices, layer 0 being those that wait for nothing; each layer
/// sorted by id (vertex order is id order). When some vertices can never be
/// scheduled, because they are on or behind a cycle, returns those instead.
pub fn layers(graph: &Graph) -> Result<Vec<Vec<usize>>, Vec<usize>> {
    let dependents = graph.dependents();
    let mut waiting_for: Vec<usize> = graph.deps.iter().map(|d| d.len()).collect();
    let mut current: Vec<usize> = (0..waiting_for.len()).filter(|&v| waiting_for[v] == 0).collect();
    let mut layers = Vec::new();
    let mut placed = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for &vertex in &current {
            for &dependent in &dependents[vertex] {
                waiting_for[dependent] -= 1;
                if waiting_for[dependent] == 0 {
                    next.push(dependent);
                }
            }
        }
        next.sort_unstable();
        placed += current.len();
        layers.push(std::mem::replace(&mut current, next));
    }
    if placed == waiting_for.len() {
        Ok(layers)
    } else {
        Err((0..waiting_for.len()).filter(|&v| waiting_for[v] > 0).collect())
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn graph(deps: &[&[usize]]) -> Graph {
        Graph::from_deps(deps)
    }

    #[test]
    fn layers_level_by_level() {
        // 0 and 3 wait for nothing, 1 for 0, 2 for 1 and 3, 4 for 0.
        let g = graph(&[&[], &[0], &[1, 3], &[], &[0]]);
        assert_eq!(layers(&g), Ok(vec![vec![0, 3], vec![1, 4], vec![2]]));
    }

    #[test]
    fn empty_graph_has_no_layers() {
        assert_eq!(layers(&graph(&[])), Ok(vec![]));
    }

    #[test]
    fn cycle_and_what_waits_behind_it_are_stuck() {
        // 1 and 2 wait for each other, 3 waits for 2, 0 is free.
        let g = graph(&[&[], &[2], &[1], &[2]]);
        assert_eq!(layers(&g), Err(vec![1, 2, 3]));
    }

    #[test]
    fn self_loop_is_stuck() {
        assert_eq!(layers(&graph(&[&[0]])), Err(vec![0]));
    }
}
