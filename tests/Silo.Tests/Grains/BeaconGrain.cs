namespace Cybernet.Silo.Tests.Grains;

/// <summary>A grain with a reminder that writes down, in its stored state, which silo each firing ran on.</summary>
[Alias("Cybernet.Silo.Tests.IBeaconGrain")]
public interface IBeaconGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task StartAsync(TimeSpan period);

    [Alias("GetFirings")]
    Task<IReadOnlyList<string>> GetFiringSilosAsync();
}

[GenerateSerializer, Alias("Cybernet.Silo.Tests.BeaconState")]
public sealed class BeaconState
{
    [Id(0)]
    public List<string> FiredOn { get; set; } = [];
}

public sealed class BeaconGrain(
    [PersistentState("beacon", SiloDeployment.StorageName)] IPersistentState<BeaconState> state,
    ILocalSiloDetails silo) : Grain, IBeaconGrain, IRemindable
{
    public const string ReminderName = "beacon";

    public async Task StartAsync(TimeSpan period) => await this.RegisterOrUpdateReminder(ReminderName, period, period);

    public Task<IReadOnlyList<string>> GetFiringSilosAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.FiredOn]);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.FiredOn.Add(silo.Name);
        await state.WriteStateAsync();
    }
}
