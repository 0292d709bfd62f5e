using System.Diagnostics;
using System.Globalization;

namespace Cybernet.Testing;

/// <summary>
/// A PostgreSQL cluster in a temporary folder: initdb, trust authentication on 127.0.0.1 only,
/// no fsync (the data is thrown away), started with pg_ctl and removed on dispose. initdb and the
/// server refuse to run as root, so a root test run hands the folder to the <c>postgres</c> user.
/// </summary>
internal sealed class LocalPostgresCluster : IDisposable
{
    public const string Superuser = "postgres";

    private const string FolderPrefix = "cybernet-pg-";
    private const string OwnerFile = "owner.pid";

    private readonly string binaries;
    private readonly string folder;

    private LocalPostgresCluster(string binaries, string folder, int port)
    {
        this.binaries = binaries;
        this.folder = folder;
        Port = port;
    }

    public int Port { get; }

    private string DataFolder => Path.Combine(folder, "data");

    public static async Task<LocalPostgresCluster> StartAsync()
    {
        var binaries = FindBinaries();
        await RemoveAbandonedClustersAsync(binaries);

        var folder = Path.Combine(Path.GetTempPath(), $"{FolderPrefix}{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", [Superuser, folder], asPostgres: false);
        }

        var data = Path.Combine(folder, "data");
        await RunAsync(Path.Combine(binaries, "initdb"),
            ["-D", data, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres: true);

        await File.WriteAllTextAsync(Path.Combine(data, "pg_hba.conf"), """
            # Throwaway test cluster: anyone on this machine, no password, loopback and the private socket only.
            local all all trust
            host  all all 127.0.0.1/32 trust
            """);
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), $"""

            # Added by Cybernet.Testing: a disposable cluster, tuned for speed rather than durability.
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '{folder}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 300

            """);

        // Another process may grab the port between FreePort and the server binding it; try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            try
            {
                await RunAsync(Path.Combine(binaries, "pg_ctl"),
                    ["-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "-o", $"-p {port}", "start"],
                    asPostgres: true);
                await StartWatchdogAsync(binaries, folder);
                return new LocalPostgresCluster(binaries, folder, port);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
            catch (InvalidOperationException error)
            {
                var log = File.Exists(Path.Combine(folder, "server.log")) ? File.ReadAllText(Path.Combine(folder, "server.log")) : "(no log)";
                throw new InvalidOperationException($"PostgreSQL did not start in {folder}. Server log:\n{log}", error);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            StopAsync(binaries, DataFolder).GetAwaiter().GetResult();
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Best effort: the watchdog finishes the job, and the next test run sweeps up after both.
        }
    }

    private static Task StopAsync(string binaries, string data) =>
        RunAsync(Path.Combine(binaries, "pg_ctl"), StopArguments(data), asPostgres: true);

    private static string[] StopArguments(string data) => ["-D", data, "-m", "immediate", "-w", "stop"];

    // The test host is often killed moments after ProcessExit begins (vstest allows it very little
    // time), so Dispose alone would leave servers running. A detached shell outlives us: it waits for
    // this process to end, then stops the server and removes the folder, however the process ended.
    private static Task StartWatchdogAsync(string binaries, string folder)
    {
        const string script = """
            owner="$1"; folder="$2"; shift 2
            (
                while kill -0 "$owner" 2>/dev/null; do sleep 0.2; done
                "$@"
                rm -rf "$folder"
            ) </dev/null >/dev/null 2>&1 &
            """;
        var pgCtl = Path.Combine(binaries, "pg_ctl");
        string[] stop = Environment.IsPrivilegedProcess
            ? ["runuser", "-u", Superuser, "--", pgCtl, .. StopArguments(Path.Combine(folder, "data"))]
            : [pgCtl, .. StopArguments(Path.Combine(folder, "data"))];
        return RunAsync("sh", ["-c", script, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), folder, .. stop], asPostgres: false);
    }

    // A test process that was killed never ran its exit handler: stop its server and free its folder.
    private static async Task RemoveAbandonedClustersAsync(string binaries)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                var ownerFile = Path.Combine(folder, OwnerFile);
                if (File.Exists(ownerFile) && IsRunning(int.Parse(await File.ReadAllTextAsync(ownerFile), CultureInfo.InvariantCulture)))
                {
                    continue;
                }
                var data = Path.Combine(folder, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    await StopAsync(binaries, data);
                }
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception error) when (error is InvalidOperationException or IOException or UnauthorizedAccessException or FormatException)
            {
                // Not ours to clean (another user's, or half gone): leave it.
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable(PostgresServer.BinariesVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        const string debianRoot = "/usr/lib/postgresql";
        var newest = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Select(dir => (bin: Path.Combine(dir, "bin"), version: decimal.TryParse(Path.GetFileName(dir), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(candidate => candidate.version >= 0 && File.Exists(Path.Combine(candidate.bin, "pg_ctl")))
                .OrderByDescending(candidate => candidate.version)
                .Select(candidate => candidate.bin)
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            $"No PostgreSQL binaries found under {debianRoot}. Set {PostgresServer.BinariesVariable} to the folder holding initdb and pg_ctl, " +
            $"or {PostgresServer.ConnectionStringVariable} to a superuser connection string of a running server.");
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", Superuser, "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        // The server pg_ctl starts may keep our pipes open; do not wait on them beyond the exit.
        await Task.WhenAny(Task.WhenAll(output, errors), Task.Delay(TimeSpan.FromSeconds(2)));
        if (process.ExitCode != 0)
        {
            var said = string.Join('\n', new[] { output, errors }.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result.Trim()));
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{said}");
        }
    }
}
