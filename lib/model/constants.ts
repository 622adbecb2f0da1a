/** Defaults of lib/model, in one place. */

/** `mlp` without sizes: one hidden layer of 128, i.e. 784-128-10 on MNIST (the reference MLP of FACTS.md). */
export const MLP_HIDDEN: readonly number[] = [128]

/**
 * `cnn` without sizes: conv 5x5x8, pool, conv 5x5x16, pool, dense 128, dense classes.
 * A quarter of the filters of the classic TensorFlow MNIST tutorial (32/64) and a 128 head instead of
 * 1024: 105,194 parameters on MNIST, about the MLP's 101,770, so both cost the same to gossip. On the
 * wasm backend a training step is about 2x faster than with 16/32 filters (measured: ~1,300 against
 * ~580 samples/s at batch 32; scripts/bench/model.ts --model cnn:16,32).
 */
export const CNN_FILTERS: readonly [number, number] = [8, 16]
export const CNN_HIDDEN = 128
/** Side of the square convolution kernels. */
export const CNN_KERNEL = 5
/** Side and stride of the max-pooling windows. */
export const CNN_POOL = 2

/** Samples per forward pass in `evaluate`: bounds the activations held at once (2,000 x 128 floats for the MLP). */
export const EVAL_BATCH = 2000

/**
 * Most parameters a model may have: 2^28 (1 GiB of float32 a copy). A peer's model travels whole in each round
 * message, whose dimension lib/algorithms bounds by the same 2^28 (MAX_FRAME_DIM), so a bigger model could not
 * be gossiped; every peer also holds several copies (gradient, momentum, message buffers). Checked from the spec,
 * before anything is allocated.
 */
export const MAX_PARAMS = 2 ** 28
