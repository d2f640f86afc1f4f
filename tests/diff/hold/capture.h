/* bpf() capture of a holder (capture.c): link with
 * -Wl,--wrap=syscall, close, dup2 and dup3. */
#pragma once
#ifdef __cplusplus
extern "C" {
#endif
/* Everything up to here is the load (probes are told apart by it); calls made
 * later (the describer's reads, teardown) are not written. */
void capture_mark_loaded(void);
/* One line per call: "<class> <command> <label> [on [<label of the fd>]]". */
int capture_write(const char *path);
#ifdef __cplusplus
}
#endif
