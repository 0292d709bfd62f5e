namespace Cybernet.Web.Tests;

/// <summary>Two silos and two web nodes, shared by the integration tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public AppCluster? Cluster { get; private set; }

    public Uri Web1 => Cluster!.Webs[0].BaseAddress;

    public Uri Web2 => Cluster!.Webs[1].BaseAddress;

    /// <summary>The username that Accounts:Administrators names on these web nodes.</summary>
    public const string AdministratorName = "chiefadmin";

    public async Task InitializeAsync() => Cluster = await AppCluster.StartAsync(silos: 2, webs: 2,
        new Dictionary<string, string> { ["Accounts:Administrators:0"] = AdministratorName });

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "app cluster";
}
