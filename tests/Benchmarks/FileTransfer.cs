using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Cybernet.Testing;
using Microsoft.Playwright;

namespace Cybernet.Benchmarks;

/// <summary>
/// A file through the product (picked file on disk → data channel → the receiver's OPFS, SHA-256 on both sides)
/// against a bare data channel between the same two Chromium processes (fixed buffer, no disk, no hash), interleaved.
/// </summary>
public static class FileTransfer
{
    private const int MiB = 1024 * 1024;

    // The bare baseline: ordered channels (one, unless measuring more), the product's water marks (shared between the
    // channels) and chunk size, bytes counted and dropped.
    private const string BareOffer = """
        async n => {
          const pc = new RTCPeerConnection();
          const chs = [...Array(n).keys()].map(id => pc.createDataChannel('bare' + id, { negotiated: true, id, ordered: true }));
          for (const ch of chs) ch.binaryType = 'arraybuffer';
          window.bare = { pc, chs };
          await pc.setLocalDescription();
          await new Promise(r => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
          return JSON.stringify(pc.localDescription);
        }
        """;

    private const string BareAnswer = """
        async ([offer, size, n]) => {
          const pc = new RTCPeerConnection();
          const chs = [...Array(n).keys()].map(id => pc.createDataChannel('bare' + id, { negotiated: true, id, ordered: true }));
          let got = 0;
          window.bare = { pc, done: new Promise(r => { for (const ch of chs) { ch.binaryType = 'arraybuffer'; ch.onmessage = e => { got += e.data.byteLength; if (got >= size) r(got); }; } }) };
          await pc.setRemoteDescription(JSON.parse(offer));
          await pc.setLocalDescription();
          await new Promise(r => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
          return JSON.stringify(pc.localDescription);
        }
        """;

    private const string BareSend = """
        async ([answer, size, chunk, high, low]) => {
          const { pc, chs } = window.bare;
          await pc.setRemoteDescription(JSON.parse(answer));
          for (const ch of chs) {
            if (ch.readyState !== 'open') await new Promise(r => ch.onopen = r);
            ch.bufferedAmountLowThreshold = low / chs.length;
          }
          const buffer = new Uint8Array(chunk);
          for (let sent = 0, i = 0; sent < size; i++) {
            const ch = chs[i % chs.length];
            if (ch.bufferedAmount > high / chs.length) { await new Promise(r => ch.onbufferedamountlow = r); continue; }
            ch.send(buffer.subarray(0, Math.min(chunk, size - sent)));
            sent += chunk;
          }
        }
        """;

    public static async Task RunAsync(AppCluster app, int sizeMiB, int runs, int? chunkBytes, int? checkpointMiB = null, int? windowMiB = null)
    {
        var web = app.Webs[0].BaseAddress;
        using var playwright = await Playwright.CreateAsync();
        var dirs = new[] { Directory.CreateTempSubdirectory("bench-sender-").FullName, Directory.CreateTempSubdirectory("bench-receiver-").FullName };
        // Two browser processes, each with a profile on disk (so the OPFS is on disk, as for a real user).
        await using var senderContext = await LaunchAsync(playwright, dirs[0], web);
        await using var receiverContext = await LaunchAsync(playwright, dirs[1], web);
        var alice = await Person.SignUpAsync(senderContext, "alice", "Alice Bench");
        var bob = await Person.SignUpAsync(receiverContext, "bob", "Bob Bench");
        await alice.BefriendAsync(bob);
        await alice.OpenConversationAsync("Bob Bench");
        await bob.OpenConversationAsync("Alice Bench");
        if (chunkBytes is { } chunk)
        {
            await alice.Page.EvaluateAsync("c => window.cybernetDebug.tuning.chunkBytes = c", chunk);
        }

        foreach (var page in new[] { alice.Page, bob.Page })
        {
            if (checkpointMiB is { } checkpoint)
            {
                await page.EvaluateAsync("n => window.cybernetDebug.tuning.checkpointBytes = n * 1024 * 1024", checkpoint);
            }

            if (windowMiB is { } window)
            {
                await page.EvaluateAsync("n => window.cybernetDebug.tuning.windowBytes = n * 1024 * 1024", window);
            }
        }

        var tuning = await alice.Page.EvaluateAsync<Dictionary<string, long>>("() => ({ ...window.cybernetDebug.tuning })");
        var size = (long)sizeMiB * MiB;
        var path = Path.Combine(Path.GetTempPath(), $"bench-{sizeMiB}MiB.bin");
        if (!File.Exists(path) || new FileInfo(path).Length != size)
        {
            await using var file = File.Create(path);
            var block = new byte[MiB];
            for (var i = 0; i < sizeMiB; i++)
            {
                Random.Shared.NextBytes(block);
                await file.WriteAsync(block);
            }
        }

        string expected;
        await using (var stream = File.OpenRead(path))
        {
            expected = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
        }

        var bareTab = await bob.Context.NewPageAsync();
        await bareTab.GotoAsync("/Account/SignIn");
        var bareSender = await alice.Context.NewPageAsync();
        await bareSender.GotoAsync("/Account/SignIn");

        var receiverPid = BrowserPid(dirs[1]);
        var senderPid = BrowserPid(dirs[0]);
        List<double> ours = [], bare = [];
        List<long> oursPeak = [], barePeak = [], oursSenderPeak = [], bareSenderPeak = [];
        var idleReceiver = Memory.Of(receiverPid);
        Dictionary<string, double> oursSenderCpu = [], oursReceiverCpu = [], bareSenderCpu = [], bareReceiverCpu = [], oursMachine = [], bareMachine = [];
        // An uncounted warm-up round (caches, JIT, the first OPFS file), then runs that alternate which goes first.
        await OursAsync(alice, bob, path, size, expected);
        await BareAsync(bareSender, bareTab, size, (int)tuning["chunkBytes"], tuning["highWater"]);
        var oursStatsBefore = await alice.Page.EvaluateAsync<string>("() => JSON.stringify(window.cybernetDebug.stats)");
        for (var run = 0; run < runs; run++)
        {
            if (run % 2 == 0)
            {
                await MeasureOursAsync();
                await MeasureBareAsync();
            }
            else
            {
                await MeasureBareAsync();
                await MeasureOursAsync();
            }
        }

        async Task MeasureOursAsync()
        {
            using var watch = Memory.Watch(receiverPid, senderPid);
            var (s0, r0, m0) = (Cpu.Of(senderPid), Cpu.Of(receiverPid), Cpu.Machine());
            ours.Add(await OursAsync(alice, bob, path, size, expected));
            oursMachine = Cpu.Add(oursMachine, Cpu.Minus(Cpu.Machine(), m0));
            oursSenderCpu = Cpu.Add(oursSenderCpu, Cpu.Minus(Cpu.Of(senderPid), s0));
            oursReceiverCpu = Cpu.Add(oursReceiverCpu, Cpu.Minus(Cpu.Of(receiverPid), r0));
            oursPeak.Add(watch.Peak[0]);
            oursSenderPeak.Add(watch.Peak[1]);
        }

        async Task MeasureBareAsync()
        {
            using var watch = Memory.Watch(receiverPid, senderPid);
            var (s0, r0, m0) = (Cpu.Of(senderPid), Cpu.Of(receiverPid), Cpu.Machine());
            bare.Add(await BareAsync(bareSender, bareTab, size, (int)tuning["chunkBytes"], tuning["highWater"]));
            bareMachine = Cpu.Add(bareMachine, Cpu.Minus(Cpu.Machine(), m0));
            bareSenderCpu = Cpu.Add(bareSenderCpu, Cpu.Minus(Cpu.Of(senderPid), s0));
            bareReceiverCpu = Cpu.Add(bareReceiverCpu, Cpu.Minus(Cpu.Of(receiverPid), r0));
            barePeak.Add(watch.Peak[0]);
            bareSenderPeak.Add(watch.Peak[1]);
        }

        Report.Section($"Files: {sizeMiB} MiB, an uncounted warm-up round, then {runs} runs each, alternating which goes first; two Chromium processes on loopback; one silo, one web node");
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"tuning: chunk {tuning["chunkBytes"] / 1024} KiB, high water {tuning["highWater"] / MiB} MiB, read {tuning["chunksPerRead"]} chunks at a time, {tuning["readAhead"]} reads ahead, window {tuning["windowBytes"] / MiB} MiB, checkpoint every {tuning["checkpointBytes"] / MiB} MiB"));
        var oursSpeed = ours.Select(s => size / (double)MiB / s).ToList();
        var bareSpeed = bare.Select(s => size / (double)MiB / s).ToList();
        Report.Line(Describe("ours (file on disk -> OPFS, SHA-256 both sides, verified)", oursSpeed));
        Report.Line(Describe("bare data channel (fixed buffer, no disk, no hash)", bareSpeed));
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"ratio (median ours / median bare): {Median(oursSpeed) / Median(bareSpeed):0.00}   goal >= 0.90"));
        Report.Line($"sender (ours, warm-up included; worker ms in total): {await alice.Page.EvaluateAsync<string>("() => JSON.stringify(window.cybernetDebug.stats)")} (after the warm-up: {oursStatsBefore})");
        Report.Line($"receiver (ours, warm-up included; worker ms in total): {await bob.Page.EvaluateAsync<string>("() => JSON.stringify(window.cybernetDebug.stats)")}");
        Report.Line($"receiver browser memory (all its processes, PSS) idle before: {idleReceiver / MiB} MiB");
        Report.Line($"receiver peak, ours: {string.Join(", ", oursPeak.Select(p => $"{p / MiB} MiB"))}; bare: {string.Join(", ", barePeak.Select(p => $"{p / MiB} MiB"))}");
        Report.Line(string.Create(CultureInfo.InvariantCulture, $"receiver peak ratio (max ours / max bare): {oursPeak.Max() / (double)barePeak.Max():0.00}"));
        Report.Line($"sender peak, ours: {string.Join(", ", oursSenderPeak.Select(p => $"{p / MiB} MiB"))}; bare: {string.Join(", ", bareSenderPeak.Select(p => $"{p / MiB} MiB"))}");
        var gib = size * (double)runs / (1024.0 * MiB);
        Report.Line($"sender CPU, ours: {Cpu.Describe(oursSenderCpu, gib)}");
        Report.Line($"sender CPU, bare: {Cpu.Describe(bareSenderCpu, gib)}");
        Report.Line($"receiver CPU, ours: {Cpu.Describe(oursReceiverCpu, gib)}");
        Report.Line($"receiver CPU, bare: {Cpu.Describe(bareReceiverCpu, gib)}");
        Report.Line($"machine CPU s/GiB, ours: {Cpu.DescribeMachine(oursMachine, gib)}");
        Report.Line($"machine CPU s/GiB, bare: {Cpu.DescribeMachine(bareMachine, gib)}");
        foreach (var dir in dirs)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// The number of channels, measured: bare transfers over 1, 2 and 4 channels of one connection (the product's chunk
    /// size and water marks, shared), interleaved, between the same two Chromium processes.
    /// </summary>
    public static async Task ChannelsAsync(AppCluster app, int sizeMiB, int runs)
    {
        var web = app.Webs[0].BaseAddress;
        using var playwright = await Playwright.CreateAsync();
        var dirs = new[] { Directory.CreateTempSubdirectory("bench-sender-").FullName, Directory.CreateTempSubdirectory("bench-receiver-").FullName };
        await using (var senderContext = await LaunchAsync(playwright, dirs[0], web))
        await using (var receiverContext = await LaunchAsync(playwright, dirs[1], web))
        {
            var sender = senderContext.Pages.FirstOrDefault() ?? await senderContext.NewPageAsync();
            var receiver = receiverContext.Pages.FirstOrDefault() ?? await receiverContext.NewPageAsync();
            await sender.GotoAsync("/Account/SignIn");
            await receiver.GotoAsync("/Account/SignIn");
            // The product's numbers (FILE_TUNING in src/Web/Client/files/tuning.ts).
            const int chunk = (256 * 1024) - 32;
            const long high = 8 * MiB;
            var size = (long)sizeMiB * MiB;
            int[] counts = [1, 2, 4];
            var speeds = counts.ToDictionary(n => n, _ => new List<double>());
            for (var run = 0; run < runs; run++)
            {
                foreach (var n in counts)
                {
                    speeds[n].Add(size / (double)MiB / await BareAsync(sender, receiver, size, chunk, high, n));
                }
            }

            Report.Section($"Channels: {sizeMiB} MiB over 1, 2 and 4 channels of one connection, {runs} runs each, interleaved; chunk 255 KiB, 8 MiB queued in all");
            foreach (var n in counts)
            {
                Report.Line(Describe($"{n} channel(s)", speeds[n]));
            }

            Report.Line(string.Create(CultureInfo.InvariantCulture, $"ratio to one channel: 2 channels {Median(speeds[2]) / Median(speeds[1]):0.00}, 4 channels {Median(speeds[4]) / Median(speeds[1]):0.00}"));
        }

        foreach (var dir in dirs)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static async Task<double> OursAsync(Person alice, Person bob, string path, long size, string expected)
    {
        // The measured tabs in front: Chromium lowers the CPU priority of background tabs' renderers.
        await alice.Page.BringToFrontAsync();
        await bob.Page.BringToFrontAsync();
        await alice.Page.SetInputFilesAsync("#file-input", path);
        var incoming = bob.Page.Locator("li.transfer[data-dir=in][data-status=offered]").Last;
        await incoming.WaitForAsync(new() { Timeout = 30_000 });
        var fid = await incoming.GetAttributeAsync("data-fid");
        var card = bob.Page.Locator($"li.transfer[data-fid=\"{fid}\"]");
        var clock = Stopwatch.StartNew();
        await card.Locator("button[data-action=accept]").ClickAsync();
        await bob.Page.WaitForSelectorAsync($"li.transfer[data-fid=\"{fid}\"][data-status=done], li.transfer[data-fid=\"{fid}\"][data-status=failed]", new() { Timeout = 600_000 });
        var seconds = clock.Elapsed.TotalSeconds;
        var sha = await card.GetAttributeAsync("data-sha256");
        if (sha != expected)
        {
            throw new InvalidOperationException($"hash mismatch or failure: {await card.InnerTextAsync()}");
        }

        // Reclaim the space for the next run; both cards leave the lists.
        await card.Locator("button[data-action=remove]").ClickAsync();
        await alice.Page.Locator($"li.transfer[data-fid=\"{fid}\"] button[data-action=remove]").ClickAsync(new() { Timeout = 30_000 });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours: {size / (double)MiB / seconds:0.0} MiB/s"));
        return seconds;
    }

    private static async Task<double> BareAsync(IPage sender, IPage receiver, long size, int chunk, long high, int channels = 1)
    {
        await sender.BringToFrontAsync();
        await receiver.BringToFrontAsync();
        var offer = await sender.EvaluateAsync<string>(BareOffer, channels);
        var answer = await receiver.EvaluateAsync<string>(BareAnswer, new object[] { offer, size, channels });
        var clock = Stopwatch.StartNew();
        await sender.EvaluateAsync(BareSend, new object[] { answer, size, chunk, high, high / 2 });
        await receiver.EvaluateAsync("() => window.bare.done", null);
        var seconds = clock.Elapsed.TotalSeconds;
        await sender.EvaluateAsync("() => window.bare.pc.close()");
        await receiver.EvaluateAsync("() => window.bare.pc.close()");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare, {channels} channel(s): {size / (double)MiB / seconds:0.0} MiB/s"));
        return seconds;
    }

    private static Task<IBrowserContext> LaunchAsync(IPlaywright playwright, string userDataDir, Uri web) =>
        playwright.Chromium.LaunchPersistentContextAsync(userDataDir, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args = Chromium.Flags,
            BaseURL = web.ToString(),
        });

    /// <summary>The browser process of a profile (its children are the renderers, GPU and utility processes).</summary>
    private static int BrowserPid(string userDataDir)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (cmdline.Contains($"--user-data-dir={userDataDir}") && !cmdline.Any(a => a.StartsWith("--type=", StringComparison.Ordinal)))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
        }

        throw new InvalidOperationException($"no browser process for {userDataDir}");
    }

    private static string Describe(string what, List<double> speeds) =>
        string.Create(CultureInfo.InvariantCulture, $"{what}: median {Median(speeds):0.0} MiB/s (spread {speeds.Min():0.0}-{speeds.Max():0.0}); runs {string.Join(", ", speeds.Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)))}");

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>Memory of a process and all its descendants: proportional set size (shared pages split fairly), summed.</summary>
public sealed class Memory : IDisposable
{
    private readonly int[] roots;
    private readonly Timer timer;

    private Memory(int[] roots)
    {
        this.roots = roots;
        Peak = roots.Select(Of).ToArray();
        timer = new Timer(_ => Sample(), null, 0, 500);
    }

    public long[] Peak { get; }

    public static Memory Watch(params int[] roots) => new(roots);

    public static long Of(int root) => Tree(root).Sum(Pss);

    /// <summary>A process and all its descendants.</summary>
    public static List<int> Tree(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
            catch (IOException)
            {
            }
        }

        var tree = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var pid))
        {
            tree.Add(pid);
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                queue.Enqueue(child);
            }
        }

        return tree;
    }

    private static long Pss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    private void Sample()
    {
        lock (Peak)
        {
            for (var i = 0; i < roots.Length; i++)
            {
                Peak[i] = Math.Max(Peak[i], Of(roots[i]));
            }
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        Sample();
    }
}
