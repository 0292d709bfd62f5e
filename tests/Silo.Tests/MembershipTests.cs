using System.Data;
using System.Net;
using Cybernet.Silo.Tests.Grains;

using Microsoft.Extensions.DependencyInjection;

namespace Cybernet.Silo.Tests;

public sealed class MembershipTests
{
    private const int Active = 3;
    private const int Dead = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Membership_table_lists_both_silos_of_a_two_silo_cluster()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Membership_table_lists_both_silos_of_a_two_silo_cluster));

        await Task.WhenAll(deployment.StartSiloAsync("alpha"), deployment.StartSiloAsync("beta"));

        await TestWait.UntilAsync(
            async () => (await SiloStatusesAsync(deployment)).Count(s => s.Status == Active) == 2,
            Patience, "both silos are listed as Active in OrleansMembershipTable");
        var silos = await SiloStatusesAsync(deployment);
        Assert.Equal(["alpha", "beta"], silos.Select(s => s.Name).Order());
        Assert.All(silos, s => Assert.Equal(Active, s.Status));
    }

    [Fact]
    public async Task Defunct_silo_cleanup_removes_dead_silos_and_keeps_the_live_one()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Defunct_silo_cleanup_removes_dead_silos_and_keeps_the_live_one));
        await deployment.StopSiloAsync(await deployment.StartSiloAsync("gone"));
        var live = await deployment.StartSiloAsync("live");
        var table = live.Services.GetRequiredService<IMembershipTable>();
        // A silo the others voted dead: its suspicion list must survive the provider's read-then-compare.
        var version = (await table.ReadAllAsync()).Version;
        var votedOut = DeadSiloWithVotes("voted-out", DateTime.UtcNow.AddMinutes(-5));
        Assert.True(await table.InsertRowAsync(votedOut, version.Next()));
        Assert.Equal([("gone", Dead), ("live", Active), ("voted-out", Dead)], await SiloStatusesAsync(deployment));

        // Orleans 10.4 runs the optional row-wise CleanupDefunctSiloEntryKey query when the table offers it.
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal([("live", Active)], await SiloStatusesAsync(deployment));
    }

    [Fact]
    public async Task A_client_finds_the_silo_through_the_gateway_list()
    {
        await using var deployment = await SiloDeployment.CreateAsync(nameof(A_client_finds_the_silo_through_the_gateway_list));
        await deployment.StartSiloAsync("gateway");

        var client = await deployment.StartClientAsync();

        var counter = client.Services.GetRequiredService<IClusterClient>().GetGrain<ICounterGrain>("from-client");
        Assert.Equal(3, await counter.AddAsync(3));
    }

    [Fact]
    public async Task Bulk_defunct_cleanup_query_removes_only_dead_silos_past_the_cutoff()
    {
        // Orleans 10.4 prefers the row-wise query, so run the required fallback by hand, with
        // parameters typed as the provider types them (DbType.DateTime, UTC).
        await using var deployment = await SiloDeployment.CreateAsync(nameof(Bulk_defunct_cleanup_query_removes_only_dead_silos_past_the_cutoff));
        await using var connection = await deployment.OpenConnectionAsync();
        var now = DateTime.UtcNow;
        await ExecuteAsync(connection, """
            INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId);
            INSERT INTO OrleansMembershipTable (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
            VALUES (@DeploymentId, '127.0.0.1', 1, 1, 'old-dead', 'h', 6, 0, @Old, @Old),
                   (@DeploymentId, '127.0.0.1', 2, 1, 'new-dead', 'h', 6, 0, @Now, @Now),
                   (@DeploymentId, '127.0.0.1', 3, 1, 'old-active', 'h', 3, 0, @Old, @Old);
            """,
            ("DeploymentId", deployment.ClusterId, DbType.String),
            ("Old", now.AddHours(-2), DbType.DateTime),
            ("Now", now, DbType.DateTime));
        var cleanup = await QueryTextAsync(connection, "CleanupDefunctSiloEntriesKey");

        await ExecuteAsync(connection, cleanup,
            ("DeploymentId", deployment.ClusterId, DbType.String),
            ("IAmAliveTime", now.AddHours(-1), DbType.DateTime));

        Assert.Equal([("new-dead", Dead), ("old-active", Active)], await SiloStatusesAsync(deployment));
    }

    private static MembershipEntry DeadSiloWithVotes(string name, DateTime when) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, FreePort.Next(), 1),
        SiloName = name,
        HostName = "elsewhere",
        Status = SiloStatus.Dead,
        ProxyPort = 0,
        StartTime = when.AddMinutes(-1),
        IAmAliveTime = when,
        SuspectTimes =
        [
            Tuple.Create(SiloAddress.New(IPAddress.Loopback, 1001, 7), when),
            Tuple.Create(SiloAddress.New(IPAddress.Loopback, 1002, 8), when.AddSeconds(1)),
        ],
    };

    private static async Task<List<(string Name, int Status)>> SiloStatusesAsync(SiloDeployment deployment)
    {
        await using var connection = await deployment.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT SiloName, Status FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId ORDER BY SiloName", connection);
        command.Parameters.AddWithValue("DeploymentId", deployment.ClusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var silos = new List<(string, int)>();
        while (await reader.ReadAsync())
        {
            silos.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        return silos;
    }

    private static async Task<string> QueryTextAsync(NpgsqlConnection connection, string key)
    {
        await using var command = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection);
        command.Parameters.AddWithValue("key", key);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params (string Name, object Value, DbType Type)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value, type) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }
}
