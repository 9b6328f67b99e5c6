//! The figures of an available imaging server, and the parsers of what it
//! reports about itself: the lines of
//! `df -k`, both layouts of `free`, and `/proc/uptime`. Pure functions that
//! never panic: a line they cannot read is skipped, a block they cannot read
//! at all gives `None`. Hand-written: no library reads these commands'
//! output.

use super::activity::Activity;

/// Figures of an available imaging server and of its entity.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServerFigures {
    /// Computers registered for imaging.
    pub registered: u64,
    /// Computers with a custom boot menu, when it could be read.
    pub custom_menus: Option<u64>,
    /// Computers with a rescue image.
    pub rescue: u64,
    pub masters: u64,
    pub image_store: Option<ImageStore>,
    pub filesystems: Vec<Filesystem>,
    pub memory: Option<Memory>,
    pub uptime_seconds: Option<u64>,
    pub activity: Vec<Activity>,
    /// The counts and the activity are still being read for the entity
    /// that owns the server (a first check of an inherited server shows its
    /// verdict before them): not to be shown as figures.
    pub counts_pending: bool,
}

/// The filesystem holding the masters, as the imaging server reports it
/// (`df -m`: the used share and the free space).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageStore {
    pub used_percent: f64,
    pub free_mib: u64,
    /// Its size, when a line of `df -k` can be told to be the same
    /// filesystem (same free space).
    pub size_kib: Option<u64>,
}

/// One filesystem of the imaging server, from a line of `df -k`.
#[derive(Clone, Debug, PartialEq)]
pub struct Filesystem {
    pub device: String,
    pub mount: String,
    pub size_kib: u64,
    pub used_kib: u64,
    pub available_kib: u64,
}

impl Filesystem {
    /// Used share of the filesystem, 0 to 100, as `df` rounds it (up).
    pub fn used_percent(&self) -> u8 {
        // In u128: no sum or product of two u64 figures can overflow there.
        let (used, total) = (self.used_kib as u128, self.used_kib as u128 + self.available_kib as u128);
        if total == 0 {
            return 0;
        }
        (used * 100).div_ceil(total).min(100) as u8
    }
}

/// Filesystems that hold no data of the imaging server's: memory, kernel
/// and image-layer mounts (`df` shows them on every current system).
const PSEUDO_DEVICES: [&str; 7] = ["tmpfs", "devtmpfs", "udev", "overlay", "squashfs", "shm", "none"];

fn is_pseudo(device: &str) -> bool {
    PSEUDO_DEVICES.contains(&device) || device.starts_with("/dev/loop")
}

/// Reads the lines of `df -k`. A long device name may stand alone on its
/// line, its numbers continuing on the next one; mount points may hold
/// spaces. Header and unreadable lines are skipped, and so are pseudo
/// filesystems (`tmpfs`, `udev`, snap images on `/dev/loop*`, ...).
pub fn parse_df(lines: &[String]) -> Vec<Filesystem> {
    let mut found = Vec::new();
    let mut pending_device: Option<String> = None;
    for line in lines {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.len() {
            0 => continue,
            1 => {
                pending_device = Some(words[0].to_string());
                continue;
            }
            _ => {}
        }
        let (device, rest) = match pending_device.take() {
            Some(device) if words[0].parse::<u64>().is_ok() => (device, &words[..]),
            _ => (words[0].to_string(), &words[1..]),
        };
        if let Some(fs) = filesystem_from(device, rest).filter(|fs| !is_pseudo(&fs.device)) {
            found.push(fs);
        }
    }
    found
}

fn filesystem_from(device: String, fields: &[&str]) -> Option<Filesystem> {
    // size used available use% mount...
    if fields.len() < 5 || !fields[3].ends_with('%') {
        return None;
    }
    Some(Filesystem {
        device,
        size_kib: fields[0].parse().ok()?,
        used_kib: fields[1].parse().ok()?,
        available_kib: fields[2].parse().ok()?,
        mount: fields[4..].join(" "),
    })
}

/// Memory of the imaging server, in KiB, from `free`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Memory {
    pub total_kib: u64,
    /// Used by programs (without buffers and cache).
    pub used_kib: u64,
    pub free_kib: u64,
    pub buff_cache_kib: u64,
    /// What can be given to programs without swapping.
    pub available_kib: u64,
    pub swap_total_kib: u64,
    pub swap_used_kib: u64,
}

/// Reads `free` (KiB), in the current procps layout
/// (`total used free shared buff/cache available`) and in the old one
/// (`total used free shared buffers cached`, a `-/+ buffers/cache` line, and
/// "used" that counts the cache). Columns are found by their header names.
pub fn parse_free(lines: &[String]) -> Option<Memory> {
    let header: Vec<String> = lines
        .iter()
        .find(|l| l.contains("total") && !l.trim_start().to_ascii_lowercase().starts_with("mem"))?
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let row = |prefixes: &[&str]| -> Option<Vec<u64>> {
        let line = lines.iter().find(|l| {
            let l = l.trim_start().to_ascii_lowercase();
            prefixes.iter().any(|p| l.starts_with(p))
        })?;
        let numbers: Vec<u64> =
            line.split(':').nth(1)?.split_whitespace().map(str::parse).collect::<Result<_, _>>().ok()?;
        Some(numbers)
    };
    let mem = row(&["mem", "mém"])?;
    let col = |name: &str| -> Option<u64> { header.iter().position(|h| h == name).and_then(|i| mem.get(i).copied()) };
    let total = col("total")?;
    let free = col("free")?;
    let mut memory = Memory { total_kib: total, free_kib: free, ..Memory::default() };
    if let Some(buff_cache) = col("buff/cache") {
        memory.buff_cache_kib = buff_cache;
        memory.used_kib = col("used")?;
        memory.available_kib = col("available").unwrap_or(free.saturating_add(buff_cache));
    } else {
        let buff_cache = col("buffers").unwrap_or(0).saturating_add(col("cached").unwrap_or(0));
        memory.buff_cache_kib = buff_cache;
        memory.used_kib = col("used")?.saturating_sub(buff_cache);
        memory.available_kib = free.saturating_add(buff_cache);
        // Old `free` says it itself on its `-/+ buffers/cache` line.
        if let Some([used, available, ..]) = row(&["-/+"]).as_deref() {
            memory.used_kib = *used;
            memory.available_kib = *available;
        }
    }
    if let Some(swap) = row(&["swap", "échange"]) {
        memory.swap_total_kib = swap.first().copied().unwrap_or(0);
        memory.swap_used_kib = swap.get(1).copied().unwrap_or(0);
    }
    (memory.total_kib > 0).then_some(memory)
}

/// Seconds the imaging server has been up, from `/proc/uptime`
/// (`"<seconds up> <seconds idle>"`).
pub fn parse_uptime(text: &str) -> Option<u64> {
    let up = crate::number::parse_decimal(text.split_whitespace().next()?)?;
    (up >= 0.0).then_some(up as u64)
}

/// Days, hours and minutes of an uptime.
pub fn split_uptime(seconds: u64) -> (u64, u64, u64) {
    (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn df_reads_plain_wrapped_and_spaced_lines() {
        let df = lines(
            "Filesystem     1K-blocks     Used Available Use% Mounted on
udev             4017712        0   4017712   0% /dev
/dev/sda1       51475068 20786428  28051816  43% /
/dev/mapper/medulla--vg-imaging--masters--long
               515928320 412742656  76956544  85% /var/lib/medulla/masters
/dev/sdb1           805476     1268    804208   1% /srv/My Docs",
        );
        let fs = parse_df(&df);
        assert_eq!(fs.len(), 3, "udev left out: {fs:?}");
        assert_eq!(fs[0].device, "/dev/sda1");
        assert_eq!(fs[0].size_kib, 51_475_068);
        assert_eq!(fs[0].used_percent(), 43);
        assert_eq!(fs[1].device, "/dev/mapper/medulla--vg-imaging--masters--long");
        assert_eq!(fs[1].mount, "/var/lib/medulla/masters");
        assert_eq!(fs[1].used_percent(), 85);
        assert_eq!(fs[2].mount, "/srv/My Docs");
    }

    /// Regression: sums of hostile figures wrapped (a panic in debug, a
    /// wrong figure in release); they saturate.
    #[test]
    fn huge_figures_do_not_overflow() {
        let max = u64::MAX;
        let fs = parse_df(&lines(&format!("/dev/sda1 {max} {max} {max} 100% /")));
        assert_eq!(fs[0].used_percent(), 50);
        let old = lines(&format!(
            "             total       used       free     shared    buffers     cached\nMem: {max} {max} {max} 0 {max} {max}"
        ));
        let m = parse_free(&old).expect("parsed");
        assert_eq!((m.buff_cache_kib, m.available_kib), (max, max));
        let new = lines(&format!(
            "               total        used        free      shared  buff/cache\nMem: {max} 1 {max} 0 {max}"
        ));
        assert_eq!(parse_free(&new).expect("parsed").available_kib, max);
        assert_eq!(parse_uptime("1e400 0"), None, "not finite");
        assert_eq!(parse_uptime("NaN 0"), None);
        assert_eq!(parse_uptime("-5 0"), None);
    }

    #[test]
    fn df_leaves_out_pseudo_filesystems() {
        let df = lines(
            "Filesystem 1K-blocks Used Available Use% Mounted on
tmpfs 805476 1268 804208 1% /run
devtmpfs 4017712 0 4017712 0% /dev
overlay 51475068 20786428 28051816 43% /var/lib/docker/overlay2/x/merged
/dev/loop3 65536 65536 0 100% /snap/core20/2015
shm 65536 0 65536 0% /dev/shm
/dev/sda1 51475068 20786428 28051816 43% /",
        );
        let fs = parse_df(&df);
        assert_eq!(fs.iter().map(|f| f.device.as_str()).collect::<Vec<_>>(), ["/dev/sda1"]);
    }

    #[test]
    fn df_skips_garbage_and_empty_input() {
        assert!(parse_df(&[]).is_empty());
        let fs = parse_df(&lines("nonsense\nsysfs - - - - /sys\n/dev/sdb 10 x 5 5% /data\n"));
        assert!(fs.is_empty());
    }

    #[test]
    fn free_reads_current_procps_layout() {
        let free = lines(
            "               total        used        free      shared  buff/cache   available
Mem:        16318480     4821212     8122512      347316     3374756    10814728
Swap:        2097148       10240     2086908",
        );
        let m = parse_free(&free).expect("parsed");
        assert_eq!(m.total_kib, 16_318_480);
        assert_eq!(m.used_kib, 4_821_212);
        assert_eq!(m.buff_cache_kib, 3_374_756);
        assert_eq!(m.available_kib, 10_814_728);
        assert_eq!((m.swap_total_kib, m.swap_used_kib), (2_097_148, 10_240));
    }

    /// The console's own parser reads the old layout only; on it, "used"
    /// includes buffers and cache, which must be taken out.
    #[test]
    fn free_reads_old_procps_layout_with_buffers_cache_line() {
        let free = lines(
            "             total       used       free     shared    buffers     cached
Mem:       8062392    7835548     226844          0     209440    5626076
-/+ buffers/cache:    1999992    6062400
Swap:      4194300     141312    4052988",
        );
        let m = parse_free(&free).expect("parsed");
        assert_eq!(m.total_kib, 8_062_392);
        assert_eq!(m.used_kib, 1_999_992);
        assert_eq!(m.buff_cache_kib, 5_835_516);
        assert_eq!(m.available_kib, 6_062_400);
        assert_eq!(m.swap_used_kib, 141_312);
    }

    #[test]
    fn free_without_mem_line_or_numbers_is_unknown() {
        assert_eq!(parse_free(&[]), None);
        assert_eq!(parse_free(&lines("total used free\nMem: a b c")), None);
        assert_eq!(parse_free(&lines("Mem: 1 2 3")), None);
    }

    #[test]
    fn uptime_reads_proc_uptime() {
        assert_eq!(parse_uptime("350735.47 234388.90\n"), Some(350_735));
        assert_eq!(parse_uptime("-1"), None);
        assert_eq!(parse_uptime(""), None);
        assert_eq!(parse_uptime("NaN 1"), None);
        assert_eq!(split_uptime(350_735), (4, 1, 25));
    }
}
