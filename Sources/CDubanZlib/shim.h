// zlib's raw inflate, for reading .xlsx parts (see DubanLedger/XLSX/ZipReader.swift).
#ifndef DUBAN_ZLIB_SHIM_H
#define DUBAN_ZLIB_SHIM_H
#include <zlib.h>
#endif
