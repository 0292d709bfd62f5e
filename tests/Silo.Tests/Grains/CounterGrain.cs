namespace Cybernet.Silo.Tests.Grains;

/// <summary>A grain whose only job is to keep a number in ADO.NET grain storage.</summary>
[Alias("Cybernet.Silo.Tests.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")]
    Task<int> AddAsync(int amount);

    [Alias("Get")]
    Task<int> GetAsync();
}

[GenerateSerializer, Alias("Cybernet.Silo.Tests.CounterState")]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}

public sealed class CounterGrain(
    [PersistentState("counter", SiloDeployment.StorageName)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        state.State.Value += amount;
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);
}
