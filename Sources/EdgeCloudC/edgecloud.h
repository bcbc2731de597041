/* libEdgeCloudC: the KMPS edge-cloud environment (EdgeCloudEnv) behind a small C ABI.
 *
 * Build: swift build -c release --product EdgeCloudC  (-> .build/release/libEdgeCloudC.so)
 *
 * An environment is an int64 handle (positive, never reused). Every function returns a status
 * (KMPS_EC_OK or an error); on error kmps_ec_last_error gives the calling thread's message. No
 * input traps: a bad config, a bad action, a null buffer or a destroyed handle is an error code.
 *
 * Sizes (kmps_ec_sizes): B eAPs (the agents), O floats per local observation, A actions per
 * eAP (A - 1 dispatch targets: edge nodes, then the cloud; action A - 1 is "wait", valid only
 * for an eAP that holds no request), S global-state floats, I info values.
 * Buffers, all provided by the caller, row-major:
 *   observations float[B*O]  eAP b's observation in row b when it holds a request, else zeros
 *   masks        int8[B*A]   1 = valid action
 *   state        float[S]    global state (centralized critic)
 *   rewards      double[B]   what each eAP was paid in this step (0 if it did not act)
 *   flags        uint8[B+2]  1 per eAP holding a request, then terminated, then truncated
 *   info         double[I]   values named by kmps_ec_info_names
 */
#ifndef KMPS_EDGECLOUD_H
#define KMPS_EDGECLOUD_H

#include <stdint.h>

#define KMPS_EC_OK 0
#define KMPS_EC_INVALID_ARGUMENT 1 /* null pointer, wrong count */
#define KMPS_EC_INVALID_CONFIG 2   /* config JSON (unknown key, bad value) or trace */
#define KMPS_EC_INVALID_HANDLE 3   /* destroyed or never created */
#define KMPS_EC_INVALID_ACTION 4   /* out of range or masked */
#define KMPS_EC_EPISODE_OVER 5     /* step before reset or after the episode ended */

int32_t kmps_ec_abi_version(void); /* 1 */

/* config_json: NULL for the defaults, or a JSON object merged over them; trace_path: NULL, or
 * replaces workload.tracePath (relative paths: current folder, then the Swift package). */
int32_t kmps_ec_create(const char *config_json, const char *trace_path, uint64_t seed,
                       int64_t *out_handle);
int32_t kmps_ec_destroy(int64_t handle);

/* out[0..count): B, O, A, S, I. */
int32_t kmps_ec_sizes(int64_t handle, int64_t *out, int64_t count);
/* Comma-separated info names / the resolved config as JSON; truncated to capacity bytes
 * (NUL-terminated); *out_length = the full length. */
int32_t kmps_ec_info_names(int64_t handle, char *buffer, int64_t capacity, int64_t *out_length);
int32_t kmps_ec_config_json(int64_t handle, char *buffer, int64_t capacity, int64_t *out_length);

/* use_seed = 0: the environment's next seed. */
int32_t kmps_ec_reset(int64_t handle, uint64_t seed, int32_t use_seed, float *observations,
                      int8_t *masks, float *state, uint8_t *flags, double *info);
/* actions: one per eAP (count = B). */
int32_t kmps_ec_step(int64_t handle, const int64_t *actions, int64_t count, float *observations,
                     int8_t *masks, float *state, double *rewards, uint8_t *flags, double *info);

/* Checks eAP eap's action against the latest result without stepping. */
int32_t kmps_ec_check_action(int64_t handle, int64_t eap, int64_t action);

/* Copies the calling thread's last error (NUL-terminated, truncated); returns its length. */
int64_t kmps_ec_last_error(char *buffer, int64_t capacity);

#endif
