#ifndef KVSH_CEDITLINE_SHIM_H
#define KVSH_CEDITLINE_SHIM_H

/*
 * The parts of libedit (the native <histedit.h> API) that LineEditor uses, made callable from
 * Swift 6:
 *   - el_set, el_get and history are variadic, which Swift cannot call: each use gets a small
 *     fixed-argument wrapper below.
 *   - Swift 6 refuses C mutable globals (stdin, stdout, ...): wrappers return them instead.
 *   - wcwidth, iswprint and iswcntrl are not visible through Swift's Glibc module: wrappers
 *     give LineEditor the same character classes libedit uses to lay out the line.
 * Deliberately not <editline/readline.h>: LineEditor uses only the native API, and the readline
 * emulation is a second editor that would fight this one for the terminal.
 */

#include <stdio.h>
#include <wchar.h>
#include <wctype.h>
#include <histedit.h>

/* POSIX (XSI) declares it; glibc hides it unless _XOPEN_SOURCE is set, which a module cannot. */
extern int wcwidth(wchar_t c);

/* Callback shapes, spelled out so Swift sees plain C function pointer types. */
typedef char *(*kv_prompt_fn)(EditLine *);
typedef unsigned char (*kv_key_fn)(EditLine *, int);
typedef int (*kv_getc_fn)(EditLine *, wchar_t *);

/* --- C globals ---------------------------------------------------------------------------- */
static inline FILE *kv_stdout(void) { return stdout; }

/* --- EditLine ----------------------------------------------------------------------------- */
static inline EditLine *kv_el_init(const char *prog) { return el_init(prog, stdin, stdout, stderr); }
static inline int kv_el_editor(EditLine *e, const char *mode) { return el_set(e, EL_EDITOR, mode); }
/* `ignore` brackets invisible parts of the prompt (terminal escape sequences). */
static inline int kv_el_prompt_esc(EditLine *e, kv_prompt_fn f, char ignore) {
    return el_set(e, EL_PROMPT_ESC, f, (int)ignore);
}
static inline int kv_el_hist(EditLine *e, History *h) { return el_set(e, EL_HIST, history, h); }
static inline int kv_el_addfn(EditLine *e, const char *name, const char *help, kv_key_fn f) {
    return el_set(e, EL_ADDFN, name, help, f);
}
/* Binds in the main key map and in the alternate (vi command) map. */
static inline int kv_el_bind(EditLine *e, const char *key, const char *fn) {
    int a = el_set(e, EL_BIND, key, fn, NULL);
    int b = el_set(e, EL_BIND, "-a", key, fn, NULL);
    return a != 0 ? a : b;
}
/* Edit mode only: ^C, ^Z and ^\ arrive as bytes instead of signals while a line is edited. */
static inline int kv_el_setty_noisig(EditLine *e) { return el_set(e, EL_SETTY, "-d", "-isig", NULL); }
static inline int kv_el_signal(EditLine *e, int on) { return el_set(e, EL_SIGNAL, on); }
static inline int kv_el_prep_term(EditLine *e, int raw) { return el_set(e, EL_PREP_TERM, raw); }
/* Forgets what libedit believes is on screen and redraws prompt and line from the cursor. */
static inline int kv_el_refresh(EditLine *e) { return el_set(e, EL_REFRESH); }
static inline int kv_el_getcfn(EditLine *e, kv_getc_fn f) { return el_set(e, EL_GETCFN, f); }
static inline int kv_el_clientdata(EditLine *e, void *p) { return el_set(e, EL_CLIENTDATA, p); }
static inline void *kv_el_get_clientdata(EditLine *e) {
    void *p = NULL;
    if (el_get(e, EL_CLIENTDATA, &p) != 0) return NULL;
    return p;
}
/* Terminal width as libedit knows it (it rereads it on SIGWINCH and at each el_gets). */
static inline int kv_el_columns(EditLine *e) {
    int c = 0;
    if (el_get(e, EL_GETTC, "co", &c) != 0 || c <= 0) c = 80;
    return c;
}

/* --- History ------------------------------------------------------------------------------ */
static inline int kv_hist_setsize(History *h, int n) { HistEvent ev; return history(h, &ev, H_SETSIZE, n); }
static inline int kv_hist_setunique(History *h, int on) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, on); }
static inline int kv_hist_enter(History *h, const char *s) { HistEvent ev; return history(h, &ev, H_ENTER, s); }
static inline int kv_hist_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int kv_hist_save_fp(History *h, FILE *fp) { HistEvent ev; return history(h, &ev, H_SAVE_FP, fp); }
/* The most recent entry (NULL when the history is empty); valid until the next history call. */
static inline const char *kv_hist_first(History *h) {
    HistEvent ev;
    if (history(h, &ev, H_FIRST) != 0) return NULL;
    return ev.str;
}
static inline int kv_hist_count(History *h) {
    HistEvent ev;
    if (history(h, &ev, H_GETSIZE) != 0) return 0;
    return ev.num;
}

/* --- Character classes, as libedit's refresh code sees them ------------------------------- */
static inline int kv_wcwidth(wchar_t c) { return wcwidth(c); }
static inline int kv_iswprint(wchar_t c) { return iswprint((wint_t)c); }
static inline int kv_iswcntrl(wchar_t c) { return iswcntrl((wint_t)c); }

#endif
