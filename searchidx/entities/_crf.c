/* The CRF tagger's two per-token loops in C, compiled into the wheel by .ci/build_hook.py.
 *
 * scorer.py's NumPy code is the reference: the same additions in the same order, so the same
 * floating-point results bit for bit (tests/test_compiled.py compares them). Arrays arrive
 * through the buffer protocol (C-contiguous float64 and int64), so no NumPy headers are needed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A C-contiguous array of 8-byte items: kind 'd' float64, 'i' int64 (NumPy says 'q' or 'l'). */
static int
get_buffer(PyObject *obj, Py_buffer *view, char kind, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    const char *format;
    if (PyObject_GetBuffer(obj, view, flags) < 0)
        return -1;
    format = view->format == NULL ? "B" : view->format;
    if (*format == '<' || *format == '=' || *format == '@')
        format++;
    if (view->itemsize != 8 || format[1] != '\0'
        || (kind == 'd' ? format[0] != 'd' : (format[0] != 'q' && format[0] != 'l'))) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of %s", name,
                     kind == 'd' ? "float64" : "int64");
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* Sentence lengths that cover the tokens exactly, none negative; the longest (may be NULL). */
static int
check_lengths(const int64_t *len, Py_ssize_t sentences, Py_ssize_t tokens, Py_ssize_t *longest)
{
    Py_ssize_t at = 0, k;
    for (k = 0; k < sentences; k++) {
        if (len[k] < 0 || len[k] > tokens - at) {
            PyErr_SetString(PyExc_ValueError, "sentence lengths exceed the tokens");
            return -1;
        }
        at += (Py_ssize_t)len[k];
        if (longest != NULL && len[k] > *longest)
            *longest = (Py_ssize_t)len[k];
    }
    if (at != tokens) {
        PyErr_SetString(PyExc_ValueError, "sentence lengths do not add up to the tokens");
        return -1;
    }
    return 0;
}

/* base_scores(out, table, rows, lengths, size)
 *
 * Each token's label scores from its memo row and its neighbours' rows: the row's own weights,
 * then what the words one before, one after, two before and two after it lend it (those inside
 * its sentence). A row holds 5 * size weights: own, lent at -1, -2, +1, +2 (as TagMemo.table).
 */
static PyObject *
base_scores(PyObject *self, PyObject *args)
{
    PyObject *out_obj, *table_obj, *rows_obj, *lengths_obj;
    Py_ssize_t size;
    Py_buffer out, table, rows, lengths;
    if (!PyArg_ParseTuple(args, "OOOOn", &out_obj, &table_obj, &rows_obj, &lengths_obj, &size))
        return NULL;
    if (get_buffer(out_obj, &out, 'd', 1, "out") < 0)
        return NULL;
    if (get_buffer(table_obj, &table, 'd', 0, "table") < 0)
        goto fail_out;
    if (get_buffer(rows_obj, &rows, 'i', 0, "rows") < 0)
        goto fail_table;
    if (get_buffer(lengths_obj, &lengths, 'i', 0, "lengths") < 0)
        goto fail_rows;
    {
        const double *w = (const double *)table.buf;
        const int64_t *row = (const int64_t *)rows.buf;
        const int64_t *len = (const int64_t *)lengths.buf;
        double *s = (double *)out.buf;
        Py_ssize_t tokens = rows.len / 8, sentences = lengths.len / 8, width = 5 * size;
        Py_ssize_t table_rows = size > 0 ? table.len / 8 / width : 0;
        Py_ssize_t at = 0, k, t, j;
        if (size <= 0 || out.len / 8 != tokens * size) {
            PyErr_SetString(PyExc_ValueError, "out must hold tokens x size scores");
            goto fail_all;
        }
        for (t = 0; t < tokens; t++) {
            if (row[t] < 0 || row[t] >= table_rows) {
                PyErr_SetString(PyExc_IndexError, "a memo row is out of range");
                goto fail_all;
            }
        }
        if (check_lengths(len, sentences, tokens, NULL) < 0)
            goto fail_all;
        for (k = 0; k < sentences; k++) {
            Py_ssize_t n = (Py_ssize_t)len[k];
            for (t = 0; t < n; t++) {
                double *o = s + (at + t) * size;
                const double *own = w + row[at + t] * width;
                for (j = 0; j < size; j++)
                    o[j] = own[j];
                if (t >= 1) { /* the word before lends its "-1" weights */
                    const double *p = w + row[at + t - 1] * width + size;
                    for (j = 0; j < size; j++)
                        o[j] += p[j];
                }
                if (t + 1 < n) { /* the word after lends its "+1" weights */
                    const double *p = w + row[at + t + 1] * width + 3 * size;
                    for (j = 0; j < size; j++)
                        o[j] += p[j];
                }
                if (t >= 2) {
                    const double *p = w + row[at + t - 2] * width + 2 * size;
                    for (j = 0; j < size; j++)
                        o[j] += p[j];
                }
                if (t + 2 < n) {
                    const double *p = w + row[at + t + 2] * width + 4 * size;
                    for (j = 0; j < size; j++)
                        o[j] += p[j];
                }
            }
            at += n;
        }
    }
    PyBuffer_Release(&lengths);
    PyBuffer_Release(&rows);
    PyBuffer_Release(&table);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
fail_all:
    PyBuffer_Release(&lengths);
fail_rows:
    PyBuffer_Release(&rows);
fail_table:
    PyBuffer_Release(&table);
fail_out:
    PyBuffer_Release(&out);
    return NULL;
}

/* best_paths(scores, lengths, trans) -> bytes
 *
 * CRFsuite's Viterbi (first order, no start or end weights) for sentences laid end to end:
 * each token's best label, one byte each. For each label the best previous label is the first
 * of equal scores, as CRFsuite's loop and NumPy's argmax take it.
 */
static PyObject *
best_paths(PyObject *self, PyObject *args)
{
    PyObject *scores_obj, *lengths_obj, *trans_obj, *result = NULL;
    Py_buffer scores, lengths, trans;
    if (!PyArg_ParseTuple(args, "OOO", &scores_obj, &lengths_obj, &trans_obj))
        return NULL;
    if (get_buffer(scores_obj, &scores, 'd', 0, "scores") < 0)
        return NULL;
    if (get_buffer(lengths_obj, &lengths, 'i', 0, "lengths") < 0)
        goto fail_scores;
    if (get_buffer(trans_obj, &trans, 'd', 0, "trans") < 0)
        goto fail_lengths;
    {
        Py_ssize_t tokens, sentences = lengths.len / 8, size, longest = 0, at = 0, k, t, i, j;
        const double *s = (const double *)scores.buf, *tr = (const double *)trans.buf;
        const int64_t *len = (const int64_t *)lengths.buf;
        double *alpha = NULL, *next = NULL;
        unsigned char *back = NULL, *labels;
        if (scores.ndim != 2 || trans.ndim != 2 || trans.shape[0] != trans.shape[1]
            || scores.shape[1] != trans.shape[0] || trans.shape[0] < 1 || trans.shape[0] > 255) {
            PyErr_SetString(PyExc_ValueError, "scores must be tokens x labels, trans labels x labels");
            goto fail_trans;
        }
        tokens = scores.shape[0];
        size = scores.shape[1];
        if (check_lengths(len, sentences, tokens, &longest) < 0)
            goto fail_trans;
        result = PyBytes_FromStringAndSize(NULL, tokens);
        alpha = PyMem_Malloc(sizeof(double) * size);
        next = PyMem_Malloc(sizeof(double) * size);
        back = PyMem_Malloc(longest * size + 1);
        if (result == NULL || alpha == NULL || next == NULL || back == NULL) {
            Py_CLEAR(result);
            PyErr_NoMemory();
            goto done;
        }
        labels = (unsigned char *)PyBytes_AS_STRING(result);
        for (k = 0; k < sentences; k++) {
            Py_ssize_t n = (Py_ssize_t)len[k];
            const double *x = s + at * size;
            unsigned char current = 0;
            if (n == 0)
                continue;
            for (j = 0; j < size; j++)
                alpha[j] = x[j];
            for (t = 1; t < n; t++) {
                for (j = 0; j < size; j++) {
                    double best = alpha[0] + tr[j];
                    unsigned char from = 0;
                    for (i = 1; i < size; i++) {
                        double candidate = alpha[i] + tr[i * size + j];
                        if (candidate > best) {
                            best = candidate;
                            from = (unsigned char)i;
                        }
                    }
                    back[t * size + j] = from;
                    next[j] = best + x[t * size + j];
                }
                memcpy(alpha, next, sizeof(double) * size);
            }
            for (j = 1; j < size; j++)
                if (alpha[j] > alpha[current])
                    current = (unsigned char)j;
            for (t = n - 1; t >= 0; t--) {
                labels[at + t] = current;
                if (t)
                    current = back[t * size + current];
            }
            at += n;
        }
    done:
        PyMem_Free(alpha);
        PyMem_Free(next);
        PyMem_Free(back);
    }
fail_trans:
    PyBuffer_Release(&trans);
fail_lengths:
    PyBuffer_Release(&lengths);
fail_scores:
    PyBuffer_Release(&scores);
    return result;
}

static PyMethodDef methods[] = {
    {"base_scores", base_scores, METH_VARARGS, "Each token's label scores from its and its neighbours' memo rows."},
    {"best_paths", best_paths, METH_VARARGS, "CRFsuite's Viterbi for sentences laid end to end: a label byte per token."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_crf", "The CRF tagger's per-token loops.", -1, methods};

PyMODINIT_FUNC
PyInit__crf(void)
{
    return PyModule_Create(&module);
}
