//! zlib 1.2.13's `compress` at its default level (6), ported step for step from `deflate.c`
//! (`deflate_slow`, `longest_match`, `fill_window`) and `trees.c` (`build_tree`, `gen_bitlen`,
//! `gen_codes`, `scan_tree`, `send_tree`, `compress_block`, `_tr_flush_block`), so that a
//! session cookie's compressed payload is byte for byte the one Python's `zlib.compress`, and so
//! Flask, writes. Another compressor's stream is valid deflate too, but other bytes: a cookie
//! signed here would not be the cookie Flask signs. Checked against Python's zlib in
//! `tests/sim/cookies.rs`, on inputs up to 140 KB. (Past 64 KB zlib's window slides and the
//! bytes beyond the input are then stale where these are zeros; a match reaching into them
//! could in principle differ. A cookie is at most 4 KB.) Links keep `miniz_oxide`: their text
//! must not change.

/// Window bits 15 and memory level 8, zlib's defaults.
const W_SIZE: usize = 1 << 15;
const W_MASK: usize = W_SIZE - 1;
const HASH_SIZE: usize = 1 << 15;
const HASH_MASK: usize = HASH_SIZE - 1;
/// `lit_bufsize`: a block is flushed when its symbol buffer holds one less than this.
const LIT_BUFSIZE: usize = 1 << 14;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST: usize = W_SIZE - MIN_LOOKAHEAD;
/// A match of 3 this far back is not worth its distance code.
const TOO_FAR: usize = 4096;
/// `configuration_table[6]`: good_length, max_lazy, nice_length, max_chain.
const GOOD_MATCH: usize = 8;
const MAX_LAZY: usize = 16;
const NICE_MATCH: usize = 128;
const MAX_CHAIN: usize = 128;
/// "No position" in the hash chains (position 0 is never a match: zlib's NIL).
const NIL: usize = 0;

const LENGTH_CODES: usize = 29;
const LITERALS: usize = 256;
const L_CODES: usize = LITERALS + 1 + LENGTH_CODES;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const HEAP_SIZE: usize = 2 * L_CODES + 1;
const MAX_BITS: usize = 15;
const MAX_BL_BITS: usize = 7;
const END_BLOCK: usize = 256;
const REP_3_6: usize = 16;
const REPZ_3_10: usize = 17;
const REPZ_11_138: usize = 18;

const EXTRA_LBITS: [u8; LENGTH_CODES] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const EXTRA_DBITS: [u8; D_CODES] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const EXTRA_BLBITS: [u8; BL_CODES] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER: [usize; BL_CODES] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/// `data` compressed as zlib 1.2.13's `compress(data)` writes it: header, deflate stream at
/// level 6, Adler-32.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = BitWriter { bytes: vec![0x78, 0x9c], bits: 0, count: 0 };
    Deflater::new(data).run(&mut out);
    out.bytes.extend_from_slice(&adler32(data).to_be_bytes());
    out.bytes
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Bits least significant first, as `send_bits` and `bi_windup` write them.
struct BitWriter {
    bytes: Vec<u8>,
    bits: u32,
    count: u32,
}

impl BitWriter {
    fn send(&mut self, value: u32, length: u32) {
        self.bits |= value << self.count;
        self.count += length;
        while self.count >= 8 {
            self.bytes.push(self.bits as u8);
            self.bits >>= 8;
            self.count -= 8;
        }
    }

    fn windup(&mut self) {
        if self.count > 0 {
            self.bytes.push(self.bits as u8);
        }
        self.bits = 0;
        self.count = 0;
    }
}

/// One Huffman tree as `trees.c` keeps it: frequencies, then lengths and codes.
struct Tree {
    freq: Vec<u32>,
    len: Vec<u16>,
    code: Vec<u16>,
    dad: Vec<usize>,
    max_code: usize,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            freq: vec![0; HEAP_SIZE],
            len: vec![0; HEAP_SIZE],
            code: vec![0; HEAP_SIZE],
            dad: vec![0; HEAP_SIZE],
            max_code: 0,
        }
    }

    /// A length as `scan_tree` and `send_tree` read it, with zlib's guard past the last code.
    fn len_or_guard(&self, n: usize) -> u32 {
        if n > self.max_code {
            0xffff
        } else {
            u32::from(self.len[n])
        }
    }
}

/// What a tree's kind fixes: its static tree's lengths, extra bits, size and longest code.
struct TreeKind {
    static_len: Option<fn(usize) -> u16>,
    extra: &'static [u8],
    extra_base: usize,
    elems: usize,
    max_length: usize,
}

const LITERAL_TREE: TreeKind = TreeKind {
    static_len: Some(static_literal_len),
    extra: &EXTRA_LBITS,
    extra_base: LITERALS + 1,
    elems: L_CODES,
    max_length: MAX_BITS,
};
const DISTANCE_TREE: TreeKind =
    TreeKind { static_len: Some(|_| 5), extra: &EXTRA_DBITS, extra_base: 0, elems: D_CODES, max_length: MAX_BITS };
const BIT_LENGTH_TREE: TreeKind =
    TreeKind { static_len: None, extra: &EXTRA_BLBITS, extra_base: 0, elems: BL_CODES, max_length: MAX_BL_BITS };

fn static_literal_len(n: usize) -> u16 {
    match n {
        0..=143 => 8,
        144..=255 => 9,
        256..=279 => 7,
        _ => 8,
    }
}

/// `tr_static_init`'s tables: length code by length − 3, base length and base distance by
/// code, and the static trees' lengths and codes.
struct Tables {
    length_code: [u8; 256],
    base_length: [u16; LENGTH_CODES],
    dist_code: [u8; 512],
    base_dist: [u16; D_CODES],
    static_ltree_len: Vec<u16>,
    static_ltree_code: Vec<u16>,
    static_dtree_code: Vec<u16>,
}

impl Tables {
    fn new() -> Tables {
        let mut t = Tables {
            length_code: [0; 256],
            base_length: [0; LENGTH_CODES],
            dist_code: [0; 512],
            base_dist: [0; D_CODES],
            static_ltree_len: (0..L_CODES + 2).map(static_literal_len).collect(),
            static_ltree_code: Vec::new(),
            static_dtree_code: (0..D_CODES).map(|n| reverse(n as u16, 5)).collect(),
        };
        let mut length = 0usize;
        for (code, &extra) in EXTRA_LBITS.iter().enumerate().take(LENGTH_CODES - 1) {
            t.base_length[code] = length as u16;
            for _ in 0..1 << extra {
                t.length_code[length] = code as u8;
                length += 1;
            }
        }
        // Length 258 has two codes; zlib uses the one without extra bits.
        t.length_code[length - 1] = (LENGTH_CODES - 1) as u8;
        let mut dist = 0usize;
        for (code, &extra) in EXTRA_DBITS.iter().enumerate() {
            // Past distance 256 the table is kept per 128 distances.
            let (base, count) = if code < 16 { (dist, 1 << extra) } else { (dist << 7, 1 << (extra - 7)) };
            t.base_dist[code] = base as u16;
            for _ in 0..count {
                t.dist_code[if code < 16 { dist } else { 256 + dist }] = code as u8;
                dist += 1;
            }
            if code == 15 {
                dist >>= 7;
            }
        }
        let mut bl_count = [0u16; MAX_BITS + 1];
        t.static_ltree_len.iter().for_each(|&l| bl_count[l as usize] += 1);
        t.static_ltree_code = codes(&t.static_ltree_len, L_CODES + 1, &bl_count);
        t
    }

    fn d_code(&self, dist: usize) -> usize {
        usize::from(if dist < 256 { self.dist_code[dist] } else { self.dist_code[256 + (dist >> 7)] })
    }
}

/// `gen_codes`: canonical codes for the lengths, bit-reversed for sending.
fn codes(lens: &[u16], max_code: usize, bl_count: &[u16; MAX_BITS + 1]) -> Vec<u16> {
    let mut next_code = [0u16; MAX_BITS + 1];
    let mut code = 0u32;
    for bits in 1..=MAX_BITS {
        code = (code + u32::from(bl_count[bits - 1])) << 1;
        next_code[bits] = code as u16;
    }
    let mut out = vec![0u16; lens.len()];
    for n in 0..=max_code.min(lens.len() - 1) {
        let len = lens[n] as usize;
        if len != 0 {
            out[n] = reverse(next_code[len], len);
            next_code[len] += 1;
        }
    }
    out
}

fn reverse(code: u16, len: usize) -> u16 {
    code.reverse_bits() >> (16 - len)
}

/// A symbol of the block being built: a literal, or a match (distance, length − 3).
#[derive(Clone, Copy)]
enum Symbol {
    Literal(u8),
    Match { dist: u16, len: u8 },
}

struct Deflater<'d> {
    data: &'d [u8],
    /// how much of `data` has entered the window
    read: usize,
    window: Vec<u8>,
    head: Vec<usize>,
    prev: Vec<usize>,
    strstart: usize,
    lookahead: usize,
    block_start: isize,
    match_length: usize,
    match_start: usize,
    prev_length: usize,
    prev_match: usize,
    match_available: bool,
    symbols: Vec<Symbol>,
    ltree: Tree,
    dtree: Tree,
    bltree: Tree,
    heap: Vec<usize>,
    heap_len: usize,
    heap_max: usize,
    depth: Vec<u8>,
    bl_count: [u16; MAX_BITS + 1],
    opt_len: u64,
    static_len: u64,
    tables: Tables,
}

impl<'d> Deflater<'d> {
    fn new(data: &'d [u8]) -> Deflater<'d> {
        let mut d = Deflater {
            data,
            read: 0,
            // two windows, and zeros past the input as zlib's window has
            window: vec![0; 2 * W_SIZE + MAX_MATCH],
            head: vec![NIL; HASH_SIZE],
            prev: vec![NIL; W_SIZE],
            strstart: 0,
            lookahead: 0,
            block_start: 0,
            match_length: MIN_MATCH - 1,
            match_start: 0,
            prev_length: MIN_MATCH - 1,
            prev_match: 0,
            match_available: false,
            symbols: Vec::new(),
            ltree: Tree::new(),
            dtree: Tree::new(),
            bltree: Tree::new(),
            heap: vec![0; HEAP_SIZE],
            heap_len: 0,
            heap_max: 0,
            depth: vec![0; HEAP_SIZE],
            bl_count: [0; MAX_BITS + 1],
            opt_len: 0,
            static_len: 0,
            tables: Tables::new(),
        };
        d.init_block();
        d
    }

    /// `deflate_slow` with Z_FINISH, all the input given at once.
    fn run(&mut self, out: &mut BitWriter) {
        loop {
            if self.lookahead < MIN_LOOKAHEAD {
                self.fill_window();
                if self.lookahead == 0 {
                    break;
                }
            }
            let mut hash_head = NIL;
            if self.lookahead >= MIN_MATCH {
                hash_head = self.insert_string(self.strstart);
            }
            self.prev_length = self.match_length;
            self.prev_match = self.match_start;
            self.match_length = MIN_MATCH - 1;
            if hash_head != NIL && self.prev_length < MAX_LAZY && self.strstart - hash_head <= MAX_DIST {
                self.match_length = self.longest_match(hash_head);
                if self.match_length == MIN_MATCH && self.strstart - self.match_start > TOO_FAR {
                    self.match_length = MIN_MATCH - 1;
                }
            }
            if self.prev_length >= MIN_MATCH && self.match_length <= self.prev_length {
                let max_insert = self.strstart + self.lookahead - MIN_MATCH;
                let flush = self.tally(Symbol::Match {
                    dist: (self.strstart - 1 - self.prev_match) as u16,
                    len: (self.prev_length - MIN_MATCH) as u8,
                });
                self.lookahead -= self.prev_length - 1;
                for _ in 0..self.prev_length - 2 {
                    self.strstart += 1;
                    if self.strstart <= max_insert {
                        self.insert_string(self.strstart);
                    }
                }
                self.match_available = false;
                self.match_length = MIN_MATCH - 1;
                self.strstart += 1;
                if flush {
                    self.flush_block(out, false);
                }
            } else if self.match_available {
                if self.tally(Symbol::Literal(self.window[self.strstart - 1])) {
                    self.flush_block(out, false);
                }
                self.strstart += 1;
                self.lookahead -= 1;
            } else {
                self.match_available = true;
                self.strstart += 1;
                self.lookahead -= 1;
            }
        }
        if self.match_available {
            self.tally(Symbol::Literal(self.window[self.strstart - 1]));
            self.match_available = false;
        }
        self.flush_block(out, true);
    }

    /// `INSERT_STRING`: the chain's head for the 3 bytes at `at`, which then heads it. (With
    /// zlib's hash of 15 bits shifted 5 a time, the running hash is a function of those 3
    /// bytes alone.)
    fn insert_string(&mut self, at: usize) -> usize {
        let w = &self.window;
        let h = ((usize::from(w[at]) << 10) ^ (usize::from(w[at + 1]) << 5) ^ usize::from(w[at + 2])) & HASH_MASK;
        let head = self.head[h];
        self.prev[at & W_MASK] = head;
        self.head[h] = at;
        head
    }

    fn fill_window(&mut self) {
        loop {
            let mut more = 2 * W_SIZE - self.lookahead - self.strstart;
            if self.strstart >= W_SIZE + MAX_DIST {
                self.window.copy_within(W_SIZE..2 * W_SIZE, 0);
                self.match_start = self.match_start.saturating_sub(W_SIZE);
                self.strstart -= W_SIZE;
                self.block_start -= W_SIZE as isize;
                for p in self.head.iter_mut().chain(self.prev.iter_mut()) {
                    *p = if *p >= W_SIZE { *p - W_SIZE } else { NIL };
                }
                more += W_SIZE;
            }
            if self.read == self.data.len() {
                break;
            }
            let n = more.min(self.data.len() - self.read);
            let at = self.strstart + self.lookahead;
            self.window[at..at + n].copy_from_slice(&self.data[self.read..self.read + n]);
            // zlib's window past the input holds zeros (its high-water clearing)
            let end = (at + n + MAX_MATCH).min(self.window.len());
            self.window[at + n..end].fill(0);
            self.read += n;
            self.lookahead += n;
            if self.lookahead >= MIN_LOOKAHEAD || self.read == self.data.len() {
                break;
            }
        }
    }

    fn longest_match(&mut self, mut cur_match: usize) -> usize {
        let mut chain_length = MAX_CHAIN;
        let scan = self.strstart;
        let mut best_len = self.prev_length;
        let nice_match = NICE_MATCH.min(self.lookahead);
        let limit = if self.strstart > MAX_DIST { self.strstart - MAX_DIST } else { NIL };
        if self.prev_length >= GOOD_MATCH {
            chain_length >>= 2;
        }
        let w = &self.window;
        loop {
            let m = cur_match;
            if w[m + best_len] == w[scan + best_len]
                && w[m + best_len - 1] == w[scan + best_len - 1]
                && w[m] == w[scan]
                && w[m + 1] == w[scan + 1]
            {
                let mut len = 2;
                while len < MAX_MATCH && w[scan + len] == w[m + len] {
                    len += 1;
                }
                if len > best_len {
                    self.match_start = cur_match;
                    best_len = len;
                    if len >= nice_match {
                        break;
                    }
                }
            }
            cur_match = self.prev[cur_match & W_MASK];
            chain_length -= 1;
            if cur_match <= limit || chain_length == 0 {
                break;
            }
        }
        best_len.min(self.lookahead)
    }

    /// `_tr_tally`: counts the symbol; true when the block's buffer is full.
    fn tally(&mut self, symbol: Symbol) -> bool {
        match symbol {
            Symbol::Literal(c) => self.ltree.freq[usize::from(c)] += 1,
            Symbol::Match { dist, len } => {
                let code = usize::from(self.tables.length_code[usize::from(len)]);
                self.ltree.freq[code + LITERALS + 1] += 1;
                self.dtree.freq[self.tables.d_code(usize::from(dist) - 1)] += 1;
            }
        }
        self.symbols.push(symbol);
        self.symbols.len() == LIT_BUFSIZE - 1
    }

    fn init_block(&mut self) {
        self.ltree.freq[..L_CODES].fill(0);
        self.dtree.freq[..D_CODES].fill(0);
        self.bltree.freq[..BL_CODES].fill(0);
        self.ltree.freq[END_BLOCK] = 1;
        self.opt_len = 0;
        self.static_len = 0;
        self.symbols.clear();
    }

    /// `FLUSH_BLOCK`: `_tr_flush_block` over the input since the last block.
    fn flush_block(&mut self, out: &mut BitWriter, last: bool) {
        let stored_len = (self.strstart as isize - self.block_start) as usize;
        let stored = usize::try_from(self.block_start).ok();
        let mut ltree = std::mem::replace(&mut self.ltree, Tree::new());
        let mut dtree = std::mem::replace(&mut self.dtree, Tree::new());
        self.build_tree(&mut ltree, &LITERAL_TREE);
        self.build_tree(&mut dtree, &DISTANCE_TREE);
        let max_blindex = self.build_bl_tree(&mut ltree, &mut dtree);
        let mut opt_lenb = (self.opt_len + 3 + 7) >> 3;
        let static_lenb = (self.static_len + 3 + 7) >> 3;
        if static_lenb <= opt_lenb {
            opt_lenb = static_lenb;
        }
        let last_bit = u32::from(last);
        match stored {
            Some(start) if stored_len as u64 + 4 <= opt_lenb => {
                out.send(last_bit, 3);
                out.windup();
                out.bytes.extend_from_slice(&(stored_len as u16).to_le_bytes());
                out.bytes.extend_from_slice(&(!(stored_len as u16)).to_le_bytes());
                out.bytes.extend_from_slice(&self.window[start..start + stored_len]);
            }
            _ if static_lenb == opt_lenb => {
                out.send((1 << 1) + last_bit, 3);
                let static_l = Coded { len: &self.tables.static_ltree_len, code: &self.tables.static_ltree_code };
                let static_d = Coded { len: &[5; D_CODES], code: &self.tables.static_dtree_code };
                self.compress_block(out, &static_l, &static_d);
            }
            _ => {
                out.send((2 << 1) + last_bit, 3);
                self.send_all_trees(out, &ltree, &dtree, max_blindex + 1);
                let l = Coded { len: &ltree.len, code: &ltree.code };
                let d = Coded { len: &dtree.len, code: &dtree.code };
                self.compress_block(out, &l, &d);
            }
        }
        self.ltree = ltree;
        self.dtree = dtree;
        self.init_block();
        if last {
            out.windup();
        }
        self.block_start = self.strstart as isize;
    }

    fn smaller(tree: &Tree, depth: &[u8], n: usize, m: usize) -> bool {
        tree.freq[n] < tree.freq[m] || (tree.freq[n] == tree.freq[m] && depth[n] <= depth[m])
    }

    fn pqdownheap(&mut self, tree: &Tree, mut k: usize) {
        let v = self.heap[k];
        let mut j = k << 1;
        while j <= self.heap_len {
            if j < self.heap_len && Self::smaller(tree, &self.depth, self.heap[j + 1], self.heap[j]) {
                j += 1;
            }
            if Self::smaller(tree, &self.depth, v, self.heap[j]) {
                break;
            }
            self.heap[k] = self.heap[j];
            k = j;
            j <<= 1;
        }
        self.heap[k] = v;
    }

    fn build_tree(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let elems = kind.elems;
        let mut max_code: isize = -1;
        self.heap_len = 0;
        self.heap_max = HEAP_SIZE;
        for n in 0..elems {
            if tree.freq[n] != 0 {
                self.heap_len += 1;
                self.heap[self.heap_len] = n;
                max_code = n as isize;
                self.depth[n] = 0;
            } else {
                tree.len[n] = 0;
            }
        }
        // At least two codes of non-zero frequency, as the format wants.
        while self.heap_len < 2 {
            let node = if max_code < 2 {
                max_code += 1;
                max_code as usize
            } else {
                0
            };
            self.heap_len += 1;
            self.heap[self.heap_len] = node;
            tree.freq[node] = 1;
            self.depth[node] = 0;
            self.opt_len = self.opt_len.wrapping_sub(1);
            if let Some(static_len) = kind.static_len {
                self.static_len = self.static_len.wrapping_sub(u64::from(static_len(node)));
            }
        }
        tree.max_code = max_code as usize;
        for n in (1..=self.heap_len / 2).rev() {
            self.pqdownheap(tree, n);
        }
        let mut node = elems;
        loop {
            let n = self.heap[1];
            self.heap[1] = self.heap[self.heap_len];
            self.heap_len -= 1;
            self.pqdownheap(tree, 1);
            let m = self.heap[1];
            self.heap_max -= 1;
            self.heap[self.heap_max] = n;
            self.heap_max -= 1;
            self.heap[self.heap_max] = m;
            tree.freq[node] = tree.freq[n] + tree.freq[m];
            self.depth[node] = self.depth[n].max(self.depth[m]) + 1;
            tree.dad[n] = node;
            tree.dad[m] = node;
            self.heap[1] = node;
            node += 1;
            self.pqdownheap(tree, 1);
            if self.heap_len < 2 {
                break;
            }
        }
        self.heap_max -= 1;
        self.heap[self.heap_max] = self.heap[1];
        self.gen_bitlen(tree, kind);
        tree.code = codes(&tree.len, tree.max_code, &self.bl_count);
    }

    fn gen_bitlen(&mut self, tree: &mut Tree, kind: &TreeKind) {
        let max_length = kind.max_length;
        self.bl_count = [0; MAX_BITS + 1];
        let mut overflow = 0i32;
        tree.len[self.heap[self.heap_max]] = 0;
        for h in self.heap_max + 1..HEAP_SIZE {
            let n = self.heap[h];
            let mut bits = usize::from(tree.len[tree.dad[n]]) + 1;
            if bits > max_length {
                bits = max_length;
                overflow += 1;
            }
            tree.len[n] = bits as u16;
            if n > tree.max_code {
                continue;
            }
            self.bl_count[bits] += 1;
            let xbits = if n >= kind.extra_base { usize::from(kind.extra[n - kind.extra_base]) } else { 0 };
            let f = u64::from(tree.freq[n]);
            self.opt_len = self.opt_len.wrapping_add(f * (bits + xbits) as u64);
            if let Some(static_len) = kind.static_len {
                self.static_len = self.static_len.wrapping_add(f * (usize::from(static_len(n)) + xbits) as u64);
            }
        }
        if overflow == 0 {
            return;
        }
        loop {
            let mut bits = max_length - 1;
            while self.bl_count[bits] == 0 {
                bits -= 1;
            }
            self.bl_count[bits] -= 1;
            self.bl_count[bits + 1] += 2;
            self.bl_count[max_length] -= 1;
            overflow -= 2;
            if overflow <= 0 {
                break;
            }
        }
        let mut h = HEAP_SIZE;
        for bits in (1..=max_length).rev() {
            let mut n = self.bl_count[bits];
            while n != 0 {
                h -= 1;
                let m = self.heap[h];
                if m > tree.max_code {
                    continue;
                }
                if usize::from(tree.len[m]) != bits {
                    let change = (bits as i64 - i64::from(tree.len[m])) * i64::from(tree.freq[m]);
                    self.opt_len = self.opt_len.wrapping_add(change as u64);
                    tree.len[m] = bits as u16;
                }
                n -= 1;
            }
        }
    }

    /// `scan_tree` and `send_tree` walk a tree's lengths the same way, in runs.
    fn length_runs(tree: &Tree, mut each: impl FnMut(Run)) {
        let mut prevlen: i64 = -1;
        let mut nextlen = tree.len_or_guard(0);
        let mut count = 0usize;
        let (mut max_count, mut min_count) = if nextlen == 0 { (138, 3) } else { (7, 4) };
        for n in 0..=tree.max_code {
            let curlen = nextlen;
            nextlen = tree.len_or_guard(n + 1);
            count += 1;
            if count < max_count && curlen == nextlen {
                continue;
            }
            each(if count < min_count {
                Run::Lengths(curlen as usize, count)
            } else if curlen != 0 {
                Run::Repeat { len: curlen as usize, count, first: i64::from(curlen) != prevlen }
            } else if count <= 10 {
                Run::Zeros3To10(count)
            } else {
                Run::Zeros11To138(count)
            });
            count = 0;
            prevlen = i64::from(curlen);
            (max_count, min_count) = if nextlen == 0 {
                (138, 3)
            } else if curlen == nextlen {
                (6, 3)
            } else {
                (7, 4)
            };
        }
    }

    fn build_bl_tree(&mut self, ltree: &mut Tree, dtree: &mut Tree) -> usize {
        let mut bltree = std::mem::replace(&mut self.bltree, Tree::new());
        for tree in [&*ltree, &*dtree] {
            Self::length_runs(tree, |run| match run {
                Run::Lengths(len, count) => bltree.freq[len] += count as u32,
                Run::Repeat { len, first, .. } => {
                    if first {
                        bltree.freq[len] += 1;
                    }
                    bltree.freq[REP_3_6] += 1;
                }
                Run::Zeros3To10(_) => bltree.freq[REPZ_3_10] += 1,
                Run::Zeros11To138(_) => bltree.freq[REPZ_11_138] += 1,
            });
        }
        self.build_tree(&mut bltree, &BIT_LENGTH_TREE);
        let mut max_blindex = BL_CODES - 1;
        while max_blindex >= 3 && bltree.len[BL_ORDER[max_blindex]] == 0 {
            max_blindex -= 1;
        }
        self.opt_len = self.opt_len.wrapping_add(3 * (max_blindex as u64 + 1) + 5 + 5 + 4);
        self.bltree = bltree;
        max_blindex
    }

    fn send_all_trees(&self, out: &mut BitWriter, ltree: &Tree, dtree: &Tree, blcodes: usize) {
        let (lcodes, dcodes) = (ltree.max_code + 1, dtree.max_code + 1);
        out.send((lcodes - 257) as u32, 5);
        out.send((dcodes - 1) as u32, 5);
        out.send((blcodes - 4) as u32, 4);
        for &code in &BL_ORDER[..blcodes] {
            out.send(u32::from(self.bltree.len[code]), 3);
        }
        let bl = &self.bltree;
        let send_code = |out: &mut BitWriter, c: usize| out.send(u32::from(bl.code[c]), u32::from(bl.len[c]));
        for tree in [ltree, dtree] {
            Self::length_runs(tree, |run| match run {
                Run::Lengths(len, count) => (0..count).for_each(|_| send_code(out, len)),
                Run::Repeat { len, count, first } => {
                    let count = if first {
                        send_code(out, len);
                        count - 1
                    } else {
                        count
                    };
                    send_code(out, REP_3_6);
                    out.send((count - 3) as u32, 2);
                }
                Run::Zeros3To10(count) => {
                    send_code(out, REPZ_3_10);
                    out.send((count - 3) as u32, 3);
                }
                Run::Zeros11To138(count) => {
                    send_code(out, REPZ_11_138);
                    out.send((count - 11) as u32, 7);
                }
            });
        }
    }

    fn compress_block(&self, out: &mut BitWriter, l: &Coded, d: &Coded) {
        for &symbol in &self.symbols {
            match symbol {
                Symbol::Literal(c) => l.send(out, usize::from(c)),
                Symbol::Match { dist, len } => {
                    let len = usize::from(len);
                    let code = usize::from(self.tables.length_code[len]);
                    l.send(out, code + LITERALS + 1);
                    let extra = u32::from(EXTRA_LBITS[code]);
                    if extra != 0 {
                        out.send((len - usize::from(self.tables.base_length[code])) as u32, extra);
                    }
                    let dist = usize::from(dist) - 1;
                    let code = self.tables.d_code(dist);
                    d.send(out, code);
                    let extra = u32::from(EXTRA_DBITS[code]);
                    if extra != 0 {
                        out.send((dist - usize::from(self.tables.base_dist[code])) as u32, extra);
                    }
                }
            }
        }
        l.send(out, END_BLOCK);
    }
}

/// A run of code lengths as `scan_tree` and `send_tree` see it.
enum Run {
    /// fewer than the minimum: each length sent on its own
    Lengths(usize, usize),
    /// 3 to 6 more of a non-zero length, after that length itself when `first`
    Repeat {
        len: usize,
        count: usize,
        first: bool,
    },
    Zeros3To10(usize),
    Zeros11To138(usize),
}

/// A tree's lengths and codes, to send symbols with.
struct Coded<'t> {
    len: &'t [u16],
    code: &'t [u16],
}

impl Coded<'_> {
    fn send(&self, out: &mut BitWriter, symbol: usize) {
        out.send(u32::from(self.code[symbol]), u32::from(self.len[symbol]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_zlib_writes_for_nothing_and_for_a_short_text() {
        // Python: zlib.compress(b"") and zlib.compress(b"hello hello hello")
        assert_eq!(compress(b""), [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        assert_eq!(
            compress(b"hello hello hello"),
            [0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00, 0x3a, 0x2e, 0x06, 0x7d]
        );
    }

    #[test]
    fn what_it_writes_reads_back() {
        let text: Vec<u8> = (0..100_000u32).map(|i| b"abcab ca"[(i * 7 % 13 % 8) as usize]).collect();
        let back = miniz_oxide::inflate::decompress_to_vec_zlib(&compress(&text)).unwrap();
        assert_eq!(back, text);
    }
}
