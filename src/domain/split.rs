//! Splitting a whole number of units (basis points, minor units) into parts proportional
//! to integer weights, exactly, by the largest remainder method.

/// Splits `total` into one part per weight, proportional to the weights and summing to
/// exactly `total`.
///
/// Each part is `floor(total × weight / sum of weights)`, plus one unit for the parts with
/// the largest remainders until the total is reached; equal remainders go to the lower
/// index, so the same input always gives the same split. A part is therefore within one
/// unit of its exact share, and a zero weight gets nothing while another weight is not
/// zero. Computed in `u128`, so no `u64` input overflows.
///
/// When every weight is zero the split is equal (every weight counts as one). With no
/// weights there is nothing to give a part to: the result is empty, even when `total` is
/// not zero.
pub fn largest_remainder(total: u64, weights: &[u64]) -> Vec<u64> {
    if weights.is_empty() {
        return Vec::new();
    }
    if weights.iter().all(|&weight| weight == 0) {
        return largest_remainder(total, &vec![1; weights.len()]);
    }
    // At most 2^64 weights below 2^64 each: the sum fits in u128, and so does total × weight.
    let weight_sum: u128 = weights.iter().map(|&weight| u128::from(weight)).sum();
    let total_wide = u128::from(total);
    let exact_shares = weights
        .iter()
        .map(|&weight| total_wide * u128::from(weight));

    let mut parts: Vec<u64> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (index, exact) in exact_shares.enumerate() {
        // floor(total × weight / sum) <= total, which is a u64.
        parts.push((exact / weight_sum) as u64);
        remainders.push((exact % weight_sum, index));
    }

    // The floors fall short by less than one unit per part, so `leftover` < parts.len().
    let leftover = total - parts.iter().sum::<u64>();
    remainders.sort_unstable_by(|(rem_a, index_a), (rem_b, index_b)| {
        rem_b.cmp(rem_a).then(index_a.cmp(index_b))
    });
    for &(_, index) in remainders.iter().take(leftover as usize) {
        parts[index] += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proportional_weights_split_without_remainder() {
        assert_eq!(largest_remainder(10_000, &[1, 3]), [2_500, 7_500]);
        assert_eq!(largest_remainder(12, &[5, 0, 1]), [10, 0, 2]);
    }

    #[test]
    fn leftover_units_go_to_the_largest_remainders_then_the_lower_index() {
        // 33.33 and 66.67: the larger remainder takes the unit.
        assert_eq!(largest_remainder(100, &[1, 2]), [33, 67]);
        // Three equal remainders, one unit left: the first part takes it.
        assert_eq!(largest_remainder(10_000, &[1, 1, 1]), [3_334, 3_333, 3_333]);
        assert_eq!(largest_remainder(11, &[1, 1, 1]), [4, 4, 3]);
    }

    #[test]
    fn all_zero_weights_split_equally() {
        assert_eq!(largest_remainder(5, &[0, 0]), [3, 2]);
        assert_eq!(largest_remainder(0, &[0, 0, 0]), [0, 0, 0]);
    }

    #[test]
    fn no_weights_give_no_parts() {
        assert!(largest_remainder(0, &[]).is_empty());
        assert!(largest_remainder(7, &[]).is_empty());
    }

    #[test]
    fn the_largest_inputs_do_not_overflow() {
        // Exact shares: about k + 0.25, k + 0.25 and 0.5 for k = u64::MAX / 2; the last
        // has the largest remainder and takes the one unit left.
        let k = u64::MAX / 2;
        assert_eq!(
            largest_remainder(u64::MAX, &[u64::MAX, u64::MAX, 1]),
            [k, k, 1]
        );
        assert_eq!(largest_remainder(u64::MAX, &[0, 7]), [0, u64::MAX]);
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        fn weights() -> impl Strategy<Value = Vec<u64>> {
            proptest::collection::vec(prop_oneof![Just(0u64), 0u64..=20, any::<u64>()], 1..=12)
        }

        proptest! {
            #[test]
            fn parts_sum_to_the_total(total in any::<u64>(), weights in weights()) {
                let parts = largest_remainder(total, &weights);
                prop_assert_eq!(parts.len(), weights.len());
                let sum: u128 = parts.iter().map(|&p| u128::from(p)).sum();
                prop_assert_eq!(sum, u128::from(total));
            }

            #[test]
            fn each_part_is_within_one_unit_of_its_exact_share(
                total in any::<u64>(),
                weights in weights(),
            ) {
                let parts = largest_remainder(total, &weights);
                let effective: Vec<u128> = if weights.iter().all(|&w| w == 0) {
                    vec![1; weights.len()]
                } else {
                    weights.iter().map(|&w| u128::from(w)).collect()
                };
                let weight_sum: u128 = effective.iter().sum();
                for (part, weight) in parts.iter().zip(&effective) {
                    let scaled_part = u128::from(*part) * weight_sum;
                    let scaled_share = u128::from(total) * weight;
                    prop_assert!(scaled_part.abs_diff(scaled_share) < weight_sum);
                }
            }

            #[test]
            fn the_same_input_gives_the_same_split(total in any::<u64>(), weights in weights()) {
                prop_assert_eq!(largest_remainder(total, &weights), largest_remainder(total, &weights));
            }

            #[test]
            fn a_zero_weight_gets_nothing_beside_a_nonzero_one(
                total in any::<u64>(),
                weights in weights().prop_filter("some weight", |w| w.iter().any(|&x| x > 0)),
            ) {
                let parts = largest_remainder(total, &weights);
                for (part, weight) in parts.iter().zip(&weights) {
                    if *weight == 0 {
                        prop_assert_eq!(*part, 0);
                    }
                }
            }
        }
    }
}
